import { LettaError } from "@letta-ai/letta-client";
import { drainThenCancel } from "./guard-sse-body.js";
import { takeSourceBody, type GuardOptions } from "./guarded-fetch.js";
import { LettaSseDecoder } from "./letta-sse-decoder.js";

const noBound: GuardOptions = { maxEventBytes: Number.POSITIVE_INFINITY, scrub: (text) => text };

/**
 * The messages of a Letta SSE response, as the SDK's `Stream` over it would yield them (same
 * values, same errors: see `LettaSseDecoder`), read from the response the SDK's `asResponse()`
 * gives. The SDK still builds, authorises and sends the request and types its non-2xx errors; its
 * per-event decoding is replaced by one pass over each chunk.
 *
 * A response of `guardedFetch` is read from the body under its guard, with the guard's bound and
 * scrubbing (`options` overrides them; without either, no bound and no scrubbing, as the SDK).
 * Like the SDK's `Stream`: an AbortError while reading (the request's signal) ends the iteration
 * quietly; any other read error is thrown as it is; `return()` cancels the body. Unlike it, the
 * body is let go at `[DONE]` (read on for at most 1 s and 64 KiB, then cancelled), as the guard
 * does, instead of read until the server closes it.
 *
 * @example
 *   const response = await client.runs.messages.stream(runId, {}, { signal }).asResponse();
 *   for await (const message of iterable(decodeLettaStream(response))) handle(message);
 */
export function decodeLettaStream(response: Response, options?: GuardOptions): AsyncIterator<unknown> {
  const source = takeSourceBody(response);
  const guard = options ?? source?.options ?? noBound;
  const body = source?.body ?? response.body;
  const decoder = new LettaSseDecoder({ ...guard, headers: response.headers });
  const messages = decoder.messages;
  let taken = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Iteration over: nothing more is yielded or thrown. */
  let ended = false;
  /** Nothing more comes from the body: what the decoder holds is the rest. */
  let bodyEnded = false;

  const finish = (): IteratorResult<unknown> => {
    ended = true;
    return { done: true, value: undefined };
  };

  /** Reads on until a message, the end or an error (the async path: one read or more). */
  const pull = async (): Promise<IteratorResult<unknown>> => {
    for (;;) {
      if (taken < messages.length) return { done: false, value: messages[taken++] };
      messages.length = 0;
      taken = 0;
      if (ended) return { done: true, value: undefined };
      const failure = decoder.failure;
      if (failure) {
        ended = true;
        throw failure;
      }
      if (bodyEnded) return finish();
      if (body === null) {
        ended = true;
        // The SDK's words (core/streaming.js `_iterSSEMessages`).
        throw new LettaError("Attempted to iterate over a response with no body");
      }
      reader ??= body.getReader();
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        // The SDK's `Stream` ends quietly on an abort (`isAbortError`) and throws anything else.
        if (isAbortError(error)) return finish();
        ended = true;
        throw error;
      }
      if (result.done) {
        decoder.end();
        bodyEnded = true;
        continue;
      }
      const value = result.value;
      decoder.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      if (!decoder.finished) continue;
      // Over in-band: at [DONE] let the body go as the guard does; after a failure, drop it.
      if (decoder.failure) void reader.cancel().catch(() => undefined);
      else drainThenCancel(reader);
      bodyEnded = true;
    }
  };

  return {
    // Most calls find a decoded message waiting: no async function, no await for those.
    next(): Promise<IteratorResult<unknown>> {
      if (taken < messages.length) return Promise.resolve({ done: false, value: messages[taken++] });
      return pull();
    },

    async return(): Promise<IteratorResult<unknown>> {
      const wasEnded = ended;
      messages.length = 0;
      ended = true;
      if (!wasEnded) await (reader ?? body)?.cancel().catch(() => undefined);
      return { done: true, value: undefined };
    },
  };
}

/** The SDK's `isAbortError` (internal/errors.js). */
function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === "AbortError" || String(message).includes("FetchRequestCanceledException");
}
