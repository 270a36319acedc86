import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { CursorExpired, type StoredEvent } from "../store/event-store.js";
import { cursorGone } from "./cursor.js";
import type { SseHub } from "./sse-hub.js";
import type { SseWriter } from "./sse-writer.js";
import { streamLog, type LogReader } from "./stream-log.js";

/**
 * Runs `streamLog` for one reader and always closes its stream: a cursor that retention
 * overtook ends with a `cursor_expired` error frame (API.md §3 Slow readers), anything else
 * unexpected is logged. Resolves when the reader is done.
 */
export function pipeLog(
  sse: SseWriter,
  log: LogReader,
  after: number,
  onError: (message: string, error: unknown) => void,
  delivered?: (events: readonly StoredEvent[]) => void,
): Promise<void> {
  return new Promise((resolve) => {
    streamLog(
      sse,
      log,
      after,
      (error) => {
        closeStream(sse, error, onError);
        resolve();
      },
      delivered,
    );
  });
}

/** Ends a reader's stream once `streamLog` is done, as `pipeLog` says. */
function closeStream(
  sse: SseWriter,
  error: unknown,
  onError: (message: string, error: unknown) => void,
): void {
  if (error instanceof CursorExpired) {
    sse.fail({ type: "error", code: "cursor_expired", message: error.message });
  } else if (error !== undefined) onError("event stream failed", error);
  sse.end();
}

/**
 * Answers a reader route before the stream starts, while a plain answer is still possible: 410
 * if the log cannot be read from the cursor (past retention, or never issued), `204 No Content`
 * if the log has ended at or before it (nothing will ever come; a standard EventSource stops
 * reconnecting on a 204, API.md §3), else opens the SSE response and pipes the log (without a
 * promise: an idle reader holds only its writer, its follower and one waiter entry).
 */
export async function serveLog(
  c: Context,
  hub: SseHub,
  log: LogReader,
  after: number,
  onError: (message: string, error: unknown) => void,
): Promise<Response> {
  let ended: boolean;
  try {
    ({ ended } = await log.read(after, 0));
  } catch (error) {
    if (error instanceof CursorExpired) throw cursorGone(error);
    throw error;
  }
  if (ended) return c.body(null, 204);
  const sse = hub.start(c);
  streamLog(sse, log, after, (error) => {
    closeStream(sse, error, onError);
  });
  return RESPONSE_ALREADY_SENT;
}
