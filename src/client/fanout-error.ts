/** One bad field of a request (API.md §5): a dotted path into the body and why it is wrong. */
export interface FanoutErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failure the client reports. `code` is a stable string: the service's own codes (API.md §5:
 * `validation_failed`, `not_found`, `unauthorized`, `rate_limited`, …; §3 reader errors:
 * `cursor_expired`, `shutting_down`, `unauthorized`) plus the client's: `network_error` (the
 * service could not be reached, or reconnects were exhausted), `invalid_event` (an event that
 * does not match the protocol), `sequence_gap` (an event is missing) and `invalid_response`.
 *
 * @example
 *   try { await client.runs.get(id) } catch (error) {
 *     if (error instanceof FanoutError && error.code === "not_found") …
 *   }
 */
export class FanoutError extends Error {
  override readonly name: string = "FanoutError";
  /** Stable machine-readable code, e.g. `validation_failed`. */
  readonly code: string;
  /** The HTTP status when the service answered one; undefined for stream and network errors. */
  readonly status: number | undefined;
  /** For 422: each bad field of the request, e.g. `{ path: "options.max_concurrency", … }`. */
  readonly details?: FanoutErrorDetail[];
  /** The service's `Retry-After` (429, 503), in seconds. */
  readonly retryAfterSeconds?: number;

  constructor(
    code: string,
    message: string,
    init: {
      status?: number;
      details?: FanoutErrorDetail[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status;
    if (init.details !== undefined) this.details = init.details;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/**
 * Builds the FanoutError of a non-2xx response from its API.md §5 body
 * `{ error: { code, message, details? } }`; a body of another shape (a proxy's HTML page) still
 * gives an error with code `http_<status>`.
 */
export async function errorFromResponse(response: Response): Promise<FanoutError> {
  const text = await response.text().catch(() => "");
  const body = parseErrorBody(text);
  const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"));
  return new FanoutError(
    body?.code ?? `http_${response.status}`,
    body?.message ?? `The service answered HTTP ${response.status} ${response.statusText}`.trim(),
    {
      status: response.status,
      ...(body?.details ? { details: body.details } : {}),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    },
  );
}

function parseErrorBody(
  text: string,
): { code: string; message: string; details?: FanoutErrorDetail[] } | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error !== "object" || error === null) return undefined;
    const { code, message, details } = error as Record<string, unknown>;
    if (typeof code !== "string" || typeof message !== "string") return undefined;
    return Array.isArray(details)
      ? { code, message, details: details as FanoutErrorDetail[] }
      : { code, message };
  } catch {
    return undefined;
  }
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
