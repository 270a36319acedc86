import { SseEventSplitter } from "./sse-event-splitter.js";

/** An upstream SSE event larger than `limits.max_upstream_event_bytes`. */
export class EventTooLarge extends Error {
  override readonly name = "EventTooLarge";
  constructor(readonly limit: number) {
    super(`Letta sent an event larger than ${limit} bytes (limits.max_upstream_event_bytes).`);
  }
}

/** Longest event checked for `[DONE]`: the terminator is `data: [DONE]` plus a blank line. */
const DONE_EVENT_MAX = 64;
/**
 * After `[DONE]`, how long and how much the rest of the body is read before it is cancelled. A
 * server that closes promptly (Letta does) leaves a keep-alive connection for the next request;
 * one that lingers loses its connection instead of holding it.
 */
const AFTER_DONE_MS = 1_000;
const AFTER_DONE_BYTES = 65_536;
const DONE = Buffer.from("[DONE]");

/**
 * A `fetch` for the Letta SDK that, on `text/event-stream` responses:
 * - hands the SDK's SSE parser one event per chunk. The SDK (1.12.1, `iterSSEChunks` in
 *   core/streaming) copies its whole pending buffer once per event it finds, so a network chunk
 *   holding k events costs O(k²) bytes copied; fed one event at a time it copies each byte
 *   about once (about half the service's CPU per event at full speed, bench/ scenario A). The
 *   pieces are views into the network chunk, not copies.
 * - fails a response whose single event grows past `maxEventBytes`: the SDK buffers an event
 *   until its blank line with no bound, so a runaway event could exhaust memory. Every event
 *   boundary the SSE spec allows resets the count (`SseEventSplitter`).
 * - ends the body right after `data: [DONE]`. The SDK ignores everything after it but reads on
 *   until the server closes (letta-wire §4.1), so a server or proxy that keeps the connection
 *   open would hold a finished answer until the idle timeout.
 */
export function guardedFetch(maxEventBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get("content-type") ?? "";
    if (!response.body || !type.toLowerCase().startsWith("text/event-stream")) return response;
    return new Response(guardSseBody(response.body, maxEventBytes), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The body of an SSE response, split into events, bounded, and ended after `[DONE]`. */
function guardSseBody(source: ReadableStream<Uint8Array>, maxEventBytes: number): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const splitter = new SseEventSplitter();
  /** Bytes of the event in progress that came in earlier chunks. */
  let pending = 0;
  /** Those bytes, while the event could still be a `[DONE]`. */
  let head: Buffer | undefined;
  /** An oversized event: reported on the next pull, so that the events before it still go out. */
  let failure: EventTooLarge | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (failure) return controller.error(failure);
        // A pull must enqueue, close or fail: one that returns with nothing is not called again.
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          if (value.byteLength === 0) continue;
          const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
          let start = 0;
          for (const end of splitter.split(bytes)) {
            if (pending + end - start > maxEventBytes) break;
            const piece = bytes.subarray(start, end);
            controller.enqueue(piece);
            const isLast =
              pending + piece.length <= DONE_EVENT_MAX &&
              isDone(head === undefined ? piece : Buffer.concat([head, piece]));
            start = end;
            pending = 0;
            head = undefined;
            if (isLast) {
              controller.close();
              drainThenCancel(reader);
              return;
            }
          }
          const rest = bytes.length - start;
          if (pending + rest > maxEventBytes) {
            failure = new EventTooLarge(maxEventBytes);
            await reader.cancel();
            if (start === 0) controller.error(failure);
            return;
          }
          if (rest === 0) return;
          const tail = bytes.subarray(start);
          if (pending + rest <= DONE_EVENT_MAX)
            head = head === undefined ? Buffer.from(tail) : Buffer.concat([head, tail]);
          else head = undefined;
          pending += rest;
          controller.enqueue(tail);
          return;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** Reads what follows `[DONE]` (bounded in time and bytes) and drops it, then lets go. */
function drainThenCancel(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), AFTER_DONE_MS);
  timer.unref();
  void (async () => {
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (bytes > AFTER_DONE_BYTES) {
          await reader.cancel();
          break;
        }
      }
    } catch {
      // Cancelled by the timer, or the connection broke: either way the answer was complete.
    } finally {
      clearTimeout(timer);
    }
  })();
}

/**
 * Whether one whole event is the stream's terminator as the SDK reads it: its data starts with
 * `[DONE]` (letta-wire §4.1). Only short events are looked at.
 */
function isDone(event: Buffer): boolean {
  if (event.indexOf(DONE) === -1) return false;
  for (const line of event.toString("utf8").split(/\r\n|\r|\n/)) {
    if (!line.startsWith("data:")) continue;
    return line.slice(line.startsWith("data: ") ? 6 : 5).startsWith("[DONE]");
  }
  return false;
}
