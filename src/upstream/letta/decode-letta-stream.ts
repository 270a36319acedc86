import { LettaError } from "@letta-ai/letta-client";
import { webBodyChunks, type BodyChunks } from "./body-chunks.js";
import { takeSourceBody, type GuardOptions } from "./guarded-fetch.js";
import { LettaSseDecoder } from "./letta-sse-decoder.js";
import { takeNodeBody } from "./node-http-fetch.js";

const noBound: GuardOptions = { maxEventBytes: Number.POSITIVE_INFINITY, scrub: (text) => text };

/**
 * The messages of a Letta SSE response, as the SDK's `Stream` over it would yield them (same
 * values, same errors: see `LettaSseDecoder`), read from the response the SDK's `asResponse()`
 * gives. The SDK still builds, authorises and sends the request and types its non-2xx errors; its
 * per-event decoding is replaced by one pass over each chunk.
 *
 * A response of `guardedFetch` is read from the body under its guard, with the guard's bound and
 * scrubbing (`options` overrides them; without either, no bound and no scrubbing, as the SDK);
 * one of `nodeHttpFetch` from its Node stream, without a web stream between.
 * Like the SDK's `Stream`: an AbortError while reading (the request's signal) ends the iteration
 * quietly; any other read error is thrown as it is; `return()` cancels the body. Unlike it, the
 * body is let go at `[DONE]` (read on for at most 1 s and 64 KiB, then cancelled), as the guard
 * does, instead of read until the server closes it.
 *
 * @example
 *   const response = await client.runs.messages.stream(runId, {}, { signal }).asResponse();
 *   for await (const message of iterable(decodeLettaStream(response))) handle(message);
 */
export function decodeLettaStream(response: Response, options?: GuardOptions): LettaMessages {
  const source = takeSourceBody(response);
  const guard = options ?? source?.options ?? noBound;
  const nodeBody = takeNodeBody(response);
  // Asked for only without the node body: a lazy web body (`lazyBodyResponse`) is then never made.
  const body = nodeBody ? undefined : (source?.body ?? response.body);
  const decoder = new LettaSseDecoder({ ...guard, headers: response.headers });
  const messages = decoder.messages;
  let taken = 0;
  let chunks: BodyChunks | undefined = nodeBody;
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
      if (!chunks) {
        if (body) chunks = webBodyChunks(body);
        else {
          ended = true;
          // The SDK's words (core/streaming.js `_iterSSEMessages`).
          throw new LettaError("Attempted to iterate over a response with no body");
        }
      }
      let read: Buffer[] | null;
      try {
        read = await chunks.read();
      } catch (error) {
        // The SDK's `Stream` ends quietly on an abort (`isAbortError`) and throws anything else.
        if (isAbortError(error)) return finish();
        ended = true;
        throw error;
      }
      if (read === null) {
        decoder.end();
        bodyEnded = true;
        continue;
      }
      for (const chunk of read) {
        decoder.push(chunk);
        if (decoder.finished) break;
      }
      if (!decoder.finished) continue;
      // Over in-band: at [DONE] let the body go as the guard does; after a failure, drop it.
      if (decoder.failure) chunks.cancel();
      else chunks.finish();
      bodyEnded = true;
    }
  };

  return {
    get ready(): boolean {
      return taken < messages.length;
    },

    take(): unknown {
      return messages[taken++];
    },

    // Most calls find a decoded message waiting: no async function, no await for those.
    next(): Promise<IteratorResult<unknown>> {
      if (taken < messages.length) return Promise.resolve({ done: false, value: messages[taken++] });
      return pull();
    },

    async return(): Promise<IteratorResult<unknown>> {
      const wasEnded = ended;
      messages.length = 0;
      ended = true;
      if (wasEnded) return { done: true, value: undefined };
      if (chunks) chunks.cancel();
      else await body?.cancel().catch(() => undefined);
      return { done: true, value: undefined };
    },
  };
}

/**
 * The decoded messages of a stream. Besides the async iteration, a message already decoded can be
 * taken synchronously (`ready`, then `take()`), so that a mapping over it needs no promise of its
 * own per message.
 */
export interface LettaMessages extends AsyncIterator<unknown> {
  /** A decoded message is waiting: `take()` returns it (as `next()` would resolve with it). */
  readonly ready: boolean;
  take(): unknown;
  return(): Promise<IteratorResult<unknown>>;
}

/** The SDK's `isAbortError` (internal/errors.js). */
function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === "AbortError" || String(message).includes("FetchRequestCanceledException");
}
