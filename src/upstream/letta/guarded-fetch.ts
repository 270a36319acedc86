/** An upstream SSE event larger than `limits.max_upstream_event_bytes`. */
export class EventTooLarge extends Error {
  override readonly name = "EventTooLarge";
  constructor(readonly limit: number) {
    super(`Letta sent an event larger than ${limit} bytes (limits.max_upstream_event_bytes).`);
  }
}

const LF = 0x0a;

/**
 * A `fetch` for the Letta SDK that fails an SSE response whose single event grows past
 * `maxEventBytes`, so one runaway event cannot make the service buffer without bound (the SDK
 * itself has no limit). It counts bytes since the last blank line; the scan is a `lastIndexOf`
 * per network chunk, not per byte.
 */
export function guardedFetch(maxEventBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get("content-type") ?? "";
    if (!response.body || !type.startsWith("text/event-stream")) return response;
    let pending = 0;
    let lastWasLf = false;
    const guard = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const boundary = bytes.lastIndexOf("\n\n");
        if (boundary >= 0) pending = bytes.length - boundary - 2;
        else if (lastWasLf && bytes[0] === LF) pending = bytes.length - 1;
        else pending += bytes.length;
        lastWasLf = bytes[bytes.length - 1] === LF;
        if (pending > maxEventBytes) controller.error(new EventTooLarge(maxEventBytes));
        else controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(guard), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
