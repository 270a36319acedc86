import type { LogWatch, ReadBatch, StoredEvent } from "../store/event-store.js";
import type { SseWriter } from "./sse-writer.js";

/** A log as a reader sees it: read after a cursor, wait for more. */
export interface LogReader extends LogWatch {
  /** `next` is the cursor reached when it differs from the last event's (filtered reads). */
  read(after: number, max: number): Promise<ReadBatch & { next?: number }>;
  /**
   * Calls `wake` once there is an event after `after` or the log ended (maybe at once, in a
   * microtask), or with the error that keeps it from waiting; `unwatch(wake)` takes it back.
   */
  watch(after: number, wake: (error?: unknown) => void): void;
  /** The cursor of an event in this log (run seq, or firehose position). */
  cursor(event: StoredEvent): number;
  /** The frame of an event in this log. */
  frame(event: StoredEvent): Buffer;
}

/** Events per write at most: large enough to amortize a syscall, small enough to stay fair. */
const BATCH = 256;

/**
 * Copies a log to one SSE reader from `after` on, then follows it live until the log ends or
 * the reader leaves; then calls `done` (with the error that ended it, if any). The reader holds
 * no queue of its own: it pulls the next batch only when its socket has drained, so a slow
 * reader costs a cursor and slows no one (API.md §3). `delivered` hears of every batch the
 * socket took (the run's own stream counts them for backpressure).
 *
 * It is a small state machine rather than an async loop: an idle reader is one entry in the
 * log's waiters (`watch`), not a suspended async function with its promises and signal.
 */
export function streamLog(
  sse: SseWriter,
  log: LogReader,
  after: number,
  done: (error?: unknown) => void,
  delivered?: (events: readonly StoredEvent[]) => void,
): void {
  new LogFollower(sse, log, after, done, delivered).pull();
}

class LogFollower {
  private stopped = false;
  private watching = false;

  constructor(
    private readonly sse: SseWriter,
    private readonly log: LogReader,
    private cursor: number,
    private readonly done: (error?: unknown) => void,
    private readonly delivered: ((events: readonly StoredEvent[]) => void) | undefined,
  ) {
    sse.whenClosed(this.stop);
  }

  /**
   * Reads the next batch (while reading, the closures below are the only allocation). Whatever
   * throws on the way ends the reader with that error, as a rejection of an async loop would.
   */
  pull(): void {
    if (this.stopped) return;
    let reading: Promise<ReadBatch & { next?: number }>;
    try {
      reading = this.log.read(this.cursor, BATCH);
    } catch (error) {
      this.finish(error);
      return;
    }
    reading.then(
      (batch) => {
        try {
          this.take(batch);
        } catch (error) {
          this.finish(error);
        }
      },
      (error: unknown) => {
        this.finish(error);
      },
    );
  }

  private take(batch: ReadBatch & { next?: number }): void {
    if (this.stopped) return;
    const { events } = batch;
    const last = events.at(-1);
    let ok = true;
    if (last) {
      const frames: Buffer[] = [];
      for (const event of events) frames.push(this.log.frame(event));
      ok = this.sse.write(frames);
    }
    const next = batch.next ?? (last ? this.log.cursor(last) : this.cursor);
    const full = next - this.cursor >= BATCH;
    this.cursor = next;
    if (ok) {
      if (last) this.delivered?.(events);
      this.next(batch.ended, full);
    } else {
      // Only under backpressure: a closure per stalled batch, none per idle reader.
      this.sse.whenDrained(() => {
        if (this.stopped) return;
        try {
          this.delivered?.(events);
          this.next(batch.ended, full);
        } catch (error) {
          this.finish(error);
        }
      });
    }
  }

  private next(ended: boolean, full: boolean): void {
    if (ended) this.finish(undefined);
    else if (full) this.pull();
    else this.wait();
  }

  private wait(): void {
    if (this.stopped) return;
    this.watching = true;
    this.log.watch(this.cursor, this.woken);
  }

  private readonly woken = (error?: unknown): void => {
    this.watching = false;
    if (error === undefined) this.pull();
    else this.finish(error);
  };

  /** The writer closed (the client left, or shutdown): let go of the log. */
  private readonly stop = (): void => {
    if (this.watching) this.log.unwatch(this.woken);
    this.watching = false;
    this.finish(undefined);
  };

  private finish(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.done(error);
  }
}
