import Letta from "@letta-ai/letta-client";
import type { Scrub } from "../../scrub-secrets.js";
import { guardedFetch } from "./guarded-fetch.js";
import { nodeHttpFetch } from "./node-http-fetch.js";

export interface LettaClientOptions {
  baseUrl: string;
  /** The Letta API key; null for a server without auth (or the simulator). Never logged. */
  apiKey: string | null;
  /** Time to response headers; the core's idle timer is usually the tighter bound. */
  requestTimeoutMs: number;
  maxEventBytes: number;
  /** Scrubs the service's secrets from every upstream text (see `guardedFetch`). */
  scrub: Scrub;
}

/**
 * The SDK client the service uses: no SDK retries (the core decides, API.md §4; the SDK's would
 * re-send accepted messages), no SDK logging (it would print raw upstream data), and a fetch
 * that guards the boundary: secrets scrubbed from upstream text, upstream events bounded. Under
 * it, `node:http` with keep-alive instead of undici's fetch (`nodeHttpFetch`), so that Letta's
 * streams reach the decoder as the socket's Buffers.
 */
export function createLettaClient(options: LettaClientOptions): Letta {
  return new Letta({
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    maxRetries: 0,
    timeout: options.requestTimeoutMs,
    logLevel: "off",
    fetch: guardedFetch({ maxEventBytes: options.maxEventBytes, scrub: options.scrub }, nodeHttpFetch()),
  });
}
