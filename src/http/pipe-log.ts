import { CursorExpired, type StoredEvent } from "../store/event-store.js";
import type { SseWriter } from "./sse-writer.js";
import { streamLog, type LogReader } from "./stream-log.js";

/**
 * Runs `streamLog` for one reader and always closes its stream: a cursor that retention
 * overtook ends with a `cursor_expired` error frame (API.md §3 Slow readers), anything else
 * unexpected is logged. Resolves when the reader is done.
 */
export async function pipeLog(
  sse: SseWriter,
  log: LogReader,
  after: number,
  onError: (message: string, error: unknown) => void,
  delivered?: (events: readonly StoredEvent[]) => void,
): Promise<void> {
  try {
    await streamLog(sse, log, after, delivered);
  } catch (error) {
    if (error instanceof CursorExpired) {
      sse.fail({ type: "error", code: "cursor_expired", message: error.message });
    } else onError("event stream failed", error);
  } finally {
    sse.end();
  }
}
