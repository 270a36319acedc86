import type { Scrub } from "../../scrub-secrets.js";
import { guardSseBody } from "./guard-sse-body.js";
import { hasBody, lazyBodyResponse } from "./lazy-body-response.js";
import { passNodeBody } from "./node-http-fetch.js";

export { EventTooLarge } from "./guard-sse-body.js";

export interface GuardOptions {
  /** `limits.max_upstream_event_bytes`: the largest single SSE event accepted. */
  maxEventBytes: number;
  /** Removes the API key, access tokens and bearer credentials from upstream text. */
  scrub: Scrub;
}

/**
 * The `fetch` the Letta SDK uses: the one door through which upstream bytes enter the service.
 * - An error response (non-2xx) has its body scrubbed before the SDK reads it, so the SDK's
 *   errors, and every message built from them (agent errors, the tag-panel 502, logs), can
 *   never carry the API key a careless server echoed.
 * - A `text/event-stream` response is split into whole events, bounded, scrubbed where it
 *   carries error text, and ended after `[DONE]` (`guardSseBody`), for whoever iterates the
 *   SDK's `Stream`. The service's own reader, `decodeLettaStream`, takes the body under it
 *   (`takeSourceBody`) and does the same in the pass that decodes it.
 * The SDK does not check the content type of streaming responses (letta-wire §4.1); a server
 * that mislabels one gets no event-size bound.
 */
export function guardedFetch(options: GuardOptions, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (!response.ok) return scrubbedResponse(response, options.scrub);
    const type = response.headers.get("content-type") ?? "";
    if (!type.toLowerCase().startsWith("text/event-stream") || !hasBody(response)) return response;
    // Neither body is made here: `decodeLettaStream` reads the one under both (`takeNodeBody`).
    const guarded = lazyBodyResponse(
      () => guardSseBody(bodyOf(response), options.maxEventBytes, options.scrub),
      { status: response.status, statusText: response.statusText, headers: response.headers },
    );
    sourceBodies.set(guarded, {
      get body() {
        return bodyOf(response);
      },
      options,
    });
    passNodeBody(response, guarded);
    return guarded;
  };
}

/** The unguarded body of each guarded SSE response, for a reader that applies the guard itself. */
const sourceBodies = new WeakMap<Response, { body: ReadableStream<Uint8Array>; options: GuardOptions }>();

/**
 * The body under a `text/event-stream` response of `guardedFetch`, with the guard's options, for
 * `decodeLettaStream`, which applies the same bounds and scrubbing in its own single pass (the
 * guard's stream is then never read). Once only: undefined for any other response, or the second
 * time.
 */
export function takeSourceBody(
  response: Response,
): { body: ReadableStream<Uint8Array>; options: GuardOptions } | undefined {
  const source = sourceBodies.get(response);
  sourceBodies.delete(response);
  return source;
}

/** The body of a response known to have one. */
function bodyOf(response: Response): ReadableStream<Uint8Array> {
  return response.body as ReadableStream<Uint8Array>;
}

/** The same error response with its body scrubbed (error bodies are small: read whole). */
async function scrubbedResponse(response: Response, scrub: Scrub): Promise<Response> {
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(scrub(text), { status: response.status, statusText: response.statusText, headers });
}
