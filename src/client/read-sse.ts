import type { SseMessage, SseParser } from "./sse-parser.js";

/**
 * Yields the SSE messages of a response body as its bytes arrive. Returns when the server ends
 * the body cleanly; throws when the connection breaks. Leaving early (break, return, an error)
 * cancels the body, which closes the connection.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  parser: SseParser,
): AsyncGenerator<SseMessage, void, undefined> {
  const reader = body.getReader();
  // A streaming decoder keeps a UTF-8 sequence split across chunks whole, and drops the BOM.
  const decoder = new TextDecoder();
  let done = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        yield* parser.feed(decoder.decode());
        return;
      }
      yield* parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
