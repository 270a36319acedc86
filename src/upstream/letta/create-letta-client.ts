import Letta from "@letta-ai/letta-client";
import { guardedFetch } from "./guarded-fetch.js";

export interface LettaClientOptions {
  baseUrl: string;
  /** The Letta API key; null for a server without auth (or the simulator). Never logged. */
  apiKey: string | null;
  /** Time to response headers; the core's idle timer is usually the tighter bound. */
  requestTimeoutMs: number;
  maxEventBytes: number;
}

/**
 * The SDK client the service uses: no SDK retries (the core decides, API.md §4; the SDK's would
 * re-send accepted messages), no SDK logging (it would print raw upstream data), and a fetch
 * that bounds the size of one upstream event.
 */
export function createLettaClient(options: LettaClientOptions): Letta {
  return new Letta({
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    maxRetries: 0,
    timeout: options.requestTimeoutMs,
    logLevel: "off",
    fetch: guardedFetch(options.maxEventBytes),
  });
}
