/** One request a RecordingFetch saw. */
export interface RecordedRequest {
  method: string;
  url: string;
  lastEventId: string | null;
  authorization: string | null;
}

/**
 * Node's own fetch, recording every request, with a switch that cuts the first event stream of
 * `POST /v1/runs` after `afterFrames` whole frames plus a few bytes of the next one: the client
 * sees its connection break mid-frame, the way a proxy or a flaky network breaks it, while the
 * real socket to the service is closed too.
 */
export function recordingFetch(options: { dropPostAfterFrames?: number; failGets?: boolean } = {}) {
  const requests: RecordedRequest[] = [];
  let dropped = false;
  const fetchImpl: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const method = init?.method ?? "GET";
    requests.push({
      method,
      url: input instanceof Request ? input.url : String(input),
      lastEventId: headers.get("last-event-id"),
      authorization: headers.get("authorization"),
    });
    if (options.failGets && method === "GET") throw new TypeError("fetch failed (test: network down)");
    const response = await fetch(input, init);
    const afterFrames = options.dropPostAfterFrames;
    if (afterFrames === undefined || dropped || method !== "POST" || !response.body) return response;
    dropped = true;
    return new Response(cutAfterFrames(response.body, afterFrames), {
      status: response.status,
      headers: response.headers,
    });
  };
  return { fetch: fetchImpl, requests };
}

/** Passes bytes through until `frames` blank-line frame ends, then 5 bytes more, then errors. */
function cutAfterFrames(body: ReadableStream<Uint8Array>, frames: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  let previous = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) {
        controller.close();
        return;
      }
      const bytes = chunk.value;
      for (let index = 0; index < bytes.length; index += 1) {
        const byte = bytes[index] ?? 0;
        if (byte === 10 && previous === 10 && ++seen === frames) {
          controller.enqueue(bytes.slice(0, Math.min(bytes.length, index + 6)));
          controller.error(new TypeError("terminated (test: connection cut mid-frame)"));
          await reader.cancel();
          return;
        }
        previous = byte;
      }
      controller.enqueue(bytes);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
