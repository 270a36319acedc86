import { errorFromResponse, FanoutError } from "./fanout-error.js";

/** What a request to the service needs beyond its path. */
export interface RequestOptions {
  method?: string;
  /** A JSON body (sets `content-type`). */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * The one place the client calls `fetch`: the base URL, the bearer token, and turning failures
 * into FanoutErrors. A caller's abort is passed through unchanged (it is not an error of ours).
 */
export class HttpTransport {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** Sends a request; resolves with a 2xx response, else throws the service's FanoutError. */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (options.json !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method: options.method ?? "GET", headers };
    if (options.json !== undefined) init.body = JSON.stringify(options.json);
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new FanoutError(
        "network_error",
        `Could not reach the service at ${this.baseUrl}: ${describe(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  /** Sends a request and reads its JSON answer. */
  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(path, {
      ...options,
      headers: { accept: "application/json", ...options.headers },
    });
    try {
      return (await response.json()) as T;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new FanoutError("invalid_response", `The service's answer to ${path} is not JSON.`, {
        status: response.status,
        cause: error,
      });
    }
  }
}

/** A short, safe description of a network failure (undici hides the reason in `cause`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

/** Throws `invalid_response` unless `response` is an event stream with a body. */
export function assertEventStream(response: Response): ReadableStream<Uint8Array> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream") || !response.body) {
    void response.body?.cancel().catch(() => undefined);
    throw new FanoutError(
      "invalid_response",
      `Expected an event stream but got ${type || "no content type"} (HTTP ${response.status}).`,
      { status: response.status },
    );
  }
  return response.body;
}
