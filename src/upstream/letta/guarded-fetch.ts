/** An upstream SSE event larger than `limits.max_upstream_event_bytes`. */
export class EventTooLarge extends Error {
  override readonly name = "EventTooLarge";
  constructor(readonly limit: number) {
    super(`Letta sent an event larger than ${limit} bytes (limits.max_upstream_event_bytes).`);
  }
}

const LF = 0x0a;
const BLANK_LINE = Buffer.from("\n\n");

/**
 * A `fetch` for the Letta SDK that fails an SSE response whose single event grows past
 * `maxEventBytes`, so one runaway event cannot make the service buffer without bound (the SDK
 * itself has no limit). It counts bytes since the last blank line with one `lastIndexOf` per
 * network chunk. The body is re-wrapped as a pull stream with no buffer of its own: measured
 * (bench/), a TransformStream here cost about 3 µs per chunk, the pull wrapper next to nothing.
 */
export function guardedFetch(maxEventBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get("content-type") ?? "";
    if (!response.body || !type.startsWith("text/event-stream")) return response;
    const reader = response.body.getReader();
    let pending = 0;
    let lastWasLf = false;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
          const boundary = bytes.lastIndexOf(BLANK_LINE);
          if (boundary >= 0) pending = bytes.length - boundary - 2;
          else if (lastWasLf && bytes[0] === LF) pending = bytes.length - 1;
          else pending += bytes.length;
          lastWasLf = bytes[bytes.length - 1] === LF;
          if (pending > maxEventBytes) {
            controller.error(new EventTooLarge(maxEventBytes));
            await reader.cancel();
          } else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
