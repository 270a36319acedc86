import type { Scrub } from "../../scrub-secrets.js";
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
const DONE = Buffer.from("[DONE]");
/**
 * After `[DONE]`, how long and how much the rest of the body is read before it is cancelled. A
 * server that closes promptly (Letta does) leaves a keep-alive connection for the next request;
 * one that lingers loses its connection instead of holding it.
 */
const AFTER_DONE_MS = 1_000;
const AFTER_DONE_BYTES = 65_536;

/**
 * The body of a Letta SSE response as the SDK's parser should get it, one whole event per chunk:
 * - one event per chunk: the SDK (1.12.1, `iterSSEChunks` in core/streaming) copies its whole
 *   pending buffer once per event it finds and once per chunk it gets, so k events in one network
 *   chunk, or one event in k chunks, cost O(k²) bytes copied; fed whole events it copies each
 *   byte about once (about half the service's CPU per event at full speed, bench/ scenario A).
 *   An event that fits in one network chunk is passed as a view, not a copy.
 * - bounded: an event larger than `maxEventBytes` fails the body with `EventTooLarge` (the SDK
 *   buffers an event with no bound). Every event boundary the SSE spec allows resets the count.
 * - scrubbed: an event of more than one line (`event: error` + `data:`, the only ones Letta
 *   sends) goes through `scrub`, so that an error text quoting the API key never enters the
 *   service. Letta's messages are single `data:` lines: agent output is passed unchanged.
 * - finished at `[DONE]`: the SDK ignores everything after it but reads on until the server
 *   closes (letta-wire §4.1), so a server or proxy that keeps the connection open would hold a
 *   finished answer until the idle timeout.
 */
export function guardSseBody(
  source: ReadableStream<Uint8Array>,
  maxEventBytes: number,
  scrub: Scrub,
): ReadableStream<Uint8Array> {
  // Taken at the first pull: a body that `decodeLettaStream` reads from its source is never pulled.
  let sourceReader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const splitter = new SseEventSplitter();
  /** The parts of the event in progress that came in earlier chunks (views, not copies). */
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  /** An oversized event: reported on the next pull, so that the events before it still go out. */
  let failure: EventTooLarge | undefined;

  const take = (bytes: Buffer, start: number, end: number): Buffer => {
    if (heldBytes === 0) return bytes.subarray(start, end);
    held.push(bytes.subarray(start, end));
    const whole = Buffer.concat(held, heldBytes + end - start);
    held = [];
    heldBytes = 0;
    return whole;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (failure) return controller.error(failure);
        const reader = (sourceReader ??= source.getReader());
        // A pull must enqueue, close or fail: one that returns with nothing is not called again.
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            if (heldBytes > 0) {
              const rest = take(Buffer.alloc(0), 0, 0);
              controller.enqueue(splitter.partialHasLines ? scrubbed(rest, scrub) : rest);
            }
            return controller.close();
          }
          if (value.byteLength === 0) continue;
          const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
          const ends = splitter.split(bytes);
          const multiline = splitter.multiline;
          let start = 0;
          for (let index = 0; index < ends.length; index++) {
            const end = ends[index] ?? start;
            if (heldBytes + end - start > maxEventBytes) break;
            const event = take(bytes, start, end);
            start = end;
            controller.enqueue(multiline[index] ? scrubbed(event, scrub) : event);
            if (event.length <= DONE_EVENT_MAX && isDone(event)) {
              controller.close();
              drainThenCancel(reader);
              return;
            }
          }
          const rest = bytes.length - start;
          if (heldBytes + rest > maxEventBytes) {
            failure = new EventTooLarge(maxEventBytes);
            await reader.cancel();
            if (start === 0) controller.error(failure);
            return;
          }
          if (rest > 0) {
            held.push(bytes.subarray(start));
            heldBytes += rest;
          }
          if (start > 0) return;
        }
      },
      cancel: (reason) => (sourceReader ?? source).cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The event with its secrets scrubbed (the same bytes when there were none). */
function scrubbed(event: Buffer, scrub: Scrub): Buffer {
  const text = event.toString("utf8");
  const clean = scrub(text);
  return clean === text ? event : Buffer.from(clean);
}

/**
 * Whether one whole event is the stream's terminator as the SDK reads it: its data starts with
 * `[DONE]` (letta-wire §4.1).
 */
function isDone(event: Buffer): boolean {
  if (event.indexOf(DONE) === -1) return false;
  for (const line of event.toString("utf8").split(/\r\n|\r|\n/)) {
    if (!line.startsWith("data:")) continue;
    return line.slice(line.startsWith("data: ") ? 6 : 5).startsWith("[DONE]");
  }
  return false;
}

/** Reads what follows `[DONE]` (bounded in time and bytes) and drops it, then lets go. */
export function drainThenCancel(reader: ReadableStreamDefaultReader<Uint8Array>): void {
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
