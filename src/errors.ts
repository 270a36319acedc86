/**
 * The service's one error type. Every failure that reaches a user carries a stable `code`
 * (API.md §3 and §5), a message that says what went wrong and how to fix it, and never a secret.
 * The `cause` is for logs only.
 */
export class AppError extends Error {
  override readonly name: string = "AppError";

  constructor(
    /** Stable machine-readable code, e.g. `validation_failed`. */
    readonly code: string,
    message: string,
    /** HTTP status when this error answers a request. */
    readonly status = 500,
    readonly extra: { details?: ErrorDetail[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }

  /** The JSON body of API.md §5: `{ error: { code, message, details? } }`. */
  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.extra.details) error.details = this.extra.details;
    return { error };
  }
}

/** One bad field of a request or config file: a dotted path and why it is wrong. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/** 422 `validation_failed` naming each bad path. */
export function validationError(details: ErrorDetail[]): AppError {
  const first = details[0];
  const summary = first ? `${first.path || "body"}: ${first.message}` : "invalid request";
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return new AppError("validation_failed", `The request is invalid: ${summary}${more}.`, 422, { details });
}

/** 404 `not_found`. */
export function notFound(message: string): AppError {
  return new AppError("not_found", message, 404);
}

/** Turns anything thrown into an AppError, keeping the original as the cause (for logs). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("internal", "An internal error occurred; see the service log.", 500, { cause: error });
}

/** 503 `overloaded` with `Retry-After: 1`: this instance cannot take more right now. */
export function overloaded(message: string): AppError {
  return new AppError("overloaded", message, 503, { retryAfterSeconds: 1 });
}

/** The reader limit, as one message wherever readers are counted. */
export function readersFull(readers: number): AppError {
  return overloaded(`This instance already serves ${readers} readers (limits.max_readers).`);
}
