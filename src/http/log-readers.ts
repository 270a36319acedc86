import type { EventStore, LogWatch, ReadBatch, StoredEvent } from "../store/event-store.js";
import type { LogReader } from "./stream-log.js";

/**
 * Waits on a log, for one reader: through the store's {@link LogWatch} where it has one (the
 * memory store: one waiter entry), else through its promise-and-signal `wait` (Redis), with a
 * controller per wait that `unwatch` aborts.
 */
abstract class WatchedLog {
  private pending: AbortController | undefined;

  protected abstract watchable(): LogWatch | undefined;
  protected abstract waitFor(after: number, signal: AbortSignal): Promise<void>;

  watch(after: number, wake: (error?: unknown) => void): void {
    const watchable = this.watchable();
    if (watchable) {
      watchable.watch(after, wake);
      return;
    }
    const pending = new AbortController();
    this.pending = pending;
    this.waitFor(after, pending.signal).then(
      () => {
        if (!pending.signal.aborted) wake();
      },
      (error: unknown) => {
        if (!pending.signal.aborted) wake(error);
      },
    );
  }

  unwatch(wake: () => void): void {
    this.watchable()?.unwatch(wake);
    this.pending?.abort();
    this.pending = undefined;
  }
}

/** One run's log: cursors are the run's `seq`, frames as encoded at append. */
class RunLogReader extends WatchedLog implements LogReader {
  constructor(
    private readonly store: EventStore,
    private readonly runId: string,
  ) {
    super();
  }

  read(after: number, max: number): Promise<ReadBatch> {
    return this.store.readRun(this.runId, after, max);
  }

  protected watchable(): LogWatch | undefined {
    return this.store.watchRun?.(this.runId);
  }

  protected waitFor(after: number, signal: AbortSignal): Promise<void> {
    return this.store.waitRun(this.runId, after, signal);
  }

  cursor(event: StoredEvent): number {
    return event.seq;
  }

  frame(event: StoredEvent): Buffer {
    return event.frame;
  }
}

/** One run's log: cursors are the run's `seq`, frames as encoded at append. */
export function runLogReader(store: EventStore, runId: string): LogReader {
  return new RunLogReader(store, runId);
}

const firehoseFrames = new WeakMap<StoredEvent, Buffer>();

class FirehoseReader extends WatchedLog implements LogReader {
  constructor(
    private readonly store: EventStore,
    private readonly panel: string | undefined,
  ) {
    super();
  }

  read(after: number, max: number): Promise<ReadBatch & { next?: number }> {
    return this.store.readFirehose(after, max, this.panel);
  }

  protected watchable(): LogWatch | undefined {
    return this.store.watchFirehose?.();
  }

  protected waitFor(after: number, signal: AbortSignal): Promise<void> {
    return this.store.waitFirehose(after, signal);
  }

  cursor(event: StoredEvent): number {
    return event.global;
  }

  frame(event: StoredEvent): Buffer {
    let frame = firehoseFrames.get(event);
    if (!frame) {
      // Same bytes as the run frame after its first line; only the `id:` differs.
      frame = Buffer.concat([
        Buffer.from(`id: ${event.global}\n`),
        event.frame.subarray(event.frame.indexOf(0x0a) + 1),
      ]);
      firehoseFrames.set(event, frame);
    }
    return frame;
  }
}

/**
 * The firehose of all runs (`GET /v1/events`): cursors are firehose positions, so its frames
 * carry a different `id:`; each is encoded once on first use and shared by all firehose
 * readers. `panel` keeps only runs of that panel.
 */
export function firehoseReader(store: EventStore, panel: string | undefined): LogReader {
  return new FirehoseReader(store, panel);
}
