import type { ReadBatch, StoredEvent } from "../store/event-store.js";
import type { SseWriter } from "./sse-writer.js";

/** A log as a reader sees it: read after a cursor, wait for more. */
export interface LogReader {
  /** `next` is the cursor reached when it differs from the last event's (filtered reads). */
  read(after: number, max: number): Promise<ReadBatch & { next?: number }>;
  wait(after: number, signal: AbortSignal): Promise<void>;
  /** The cursor of an event in this log (run seq, or firehose position). */
  cursor(event: StoredEvent): number;
  /** The frame of an event in this log. */
  frame(event: StoredEvent): Buffer;
}

/** Events per write at most: large enough to amortize a syscall, small enough to stay fair. */
const BATCH = 256;

/**
 * Copies a log to one SSE reader from `after` on, then follows it live until the log ends or
 * the reader leaves. The reader holds no queue of its own: it pulls the next batch only when
 * its socket has drained, so a slow reader costs a cursor and slows no one (API.md §3).
 * `delivered` hears of every batch the socket took (the run's own stream counts them for
 * backpressure).
 */
export async function streamLog(
  sse: SseWriter,
  log: LogReader,
  after: number,
  delivered?: (events: readonly StoredEvent[]) => void,
): Promise<void> {
  let cursor = after;
  while (!sse.closed) {
    const batch = await log.read(cursor, BATCH);
    const { events } = batch;
    const last = events.at(-1);
    if (last) {
      await sse.write(events.map((event) => log.frame(event)));
      delivered?.(events);
    }
    const next = batch.next ?? (last ? log.cursor(last) : cursor);
    const full = next - cursor >= BATCH;
    cursor = next;
    if (batch.ended) return;
    if (!full) await log.wait(cursor, sse.signal);
  }
}
