/** An upstream SSE event larger than `limits.max_upstream_event_bytes`. */
export class EventTooLarge extends Error {
  override readonly name = "EventTooLarge";
  constructor(readonly limit: number) {
    super(`Letta sent an event larger than ${limit} bytes (limits.max_upstream_event_bytes).`);
  }
}

const BLANK_LINE = Buffer.from("\n\n");

/**
 * A `fetch` for the Letta SDK that hands the SDK's SSE parser one event per chunk and fails a
 * response whose single event grows past `maxEventBytes`.
 *
 * Why one event per chunk: the SDK (1.12.1, `iterSSEChunks` in core/streaming) copies its whole
 * pending buffer once per event it finds, so a network chunk holding k events costs O(k²) bytes
 * copied; fed one event at a time it copies each byte about once. Measured: about half the
 * service's CPU per event at full speed (bench/ scenario A). The split pieces are views into the
 * network chunk, not copies.
 *
 * Why the size limit: the SDK buffers an event until its blank line with no bound, so a runaway
 * event could exhaust memory. Bytes since the last blank line are counted per piece.
 */
export function guardedFetch(maxEventBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get("content-type") ?? "";
    if (!response.body || !type.startsWith("text/event-stream")) return response;
    const reader = response.body.getReader();
    let pending = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
          let start = 0;
          for (let end = bytes.indexOf(BLANK_LINE); end >= 0; end = bytes.indexOf(BLANK_LINE, start)) {
            if (pending + end + 2 - start > maxEventBytes) break;
            controller.enqueue(bytes.subarray(start, end + 2));
            start = end + 2;
            pending = 0;
          }
          pending += bytes.length - start;
          if (pending > maxEventBytes) {
            controller.error(new EventTooLarge(maxEventBytes));
            await reader.cancel();
          } else if (start < bytes.length) controller.enqueue(bytes.subarray(start));
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
