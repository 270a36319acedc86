import { APIConnectionError, APIError } from "@letta-ai/letta-client";
import { UpstreamFailure } from "../../core/agent-source.js";
import { EventTooLarge } from "./guarded-fetch.js";

/**
 * Sorts an error from opening a Letta stream (before a 2xx arrived) into the retry rules of
 * API.md §4: connection errors, 408, 429 and 5xx may be sent again; other 4xx may not. Our own
 * aborts (`signal` aborted) pass through unchanged: the core knows why it aborted.
 */
export function openFailure(
  error: unknown,
  agentId: string,
  background: boolean,
  signal: AbortSignal,
): unknown {
  if (signal.aborted) return error;
  if (error instanceof APIConnectionError) {
    return new UpstreamFailure("upstream_unavailable", `Could not connect to Letta: ${safeMessage(error)}.`, {
      retryable: true,
      cause: error,
    });
  }
  if (!(error instanceof APIError) || error.status === undefined) {
    return new UpstreamFailure(
      "upstream_unavailable",
      `The request to Letta failed: ${safeMessage(error)}.`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  const status: number = error.status as number;
  const detail = lettaDetail(error.error);
  const retryAfterMs = retryAfter(error.headers as Headers | undefined);
  const facts = { cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 404) {
    return new UpstreamFailure("agent_not_found", `Letta has no agent ${agentId} (HTTP 404).`, {
      retryable: false,
      cause: error,
    });
  }
  if (status === 409 && isConversationBusy(error.error)) {
    return new UpstreamFailure(
      "conversation_busy",
      `Another request is talking to this Letta conversation (HTTP 409)${detail}.`,
      { retryable: true, ...facts },
    );
  }
  if (status === 429) {
    return new UpstreamFailure("upstream_rate_limited", `Letta is rate limiting (HTTP 429)${detail}.`, {
      retryable: true,
      ...facts,
    });
  }
  if (status === 408 || status >= 500) {
    return new UpstreamFailure("upstream_unavailable", `Letta answered HTTP ${status}${detail}.`, {
      retryable: true,
      ...facts,
      ...(status === 503 && background ? { backgroundUnavailable: true } : {}),
    });
  }
  const hint =
    status === 401 || status === 403 ? " Check the Letta API key the service is configured with." : "";
  return new UpstreamFailure(
    "upstream_error",
    `Letta rejected the request (HTTP ${status})${detail}.${hint}`,
    {
      retryable: false,
      cause: error,
    },
  );
}

/**
 * Sorts an error thrown while reading an accepted stream: a Letta `event: error` (the SDK's
 * APIError without a status, letta-wire §4.1) is Letta's verdict and final; an unparsable or
 * oversized event is final too; anything else, an abort nobody here asked for included, is a
 * dropped connection, which may be resumed. Our own aborts pass through unchanged.
 */
export function streamFailure(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return error;
  if (error instanceof APIError && error.status === undefined && !(error instanceof APIConnectionError)) {
    return new UpstreamFailure(
      "upstream_error",
      `Letta reported an error in the stream${lettaDetail(error.error)}.`,
      {
        retryable: false,
        cause: error,
      },
    );
  }
  if (error instanceof SyntaxError) {
    return new UpstreamFailure("upstream_error", "Letta sent an event that is not valid JSON.", {
      retryable: false,
      cause: error,
    });
  }
  if (error instanceof EventTooLarge) {
    return new UpstreamFailure("upstream_error", error.message, { retryable: false, cause: error });
  }
  return new UpstreamFailure("upstream_disconnected", `The Letta stream broke off: ${safeMessage(error)}.`, {
    retryable: true,
    cause: error,
  });
}

/**
 * Letta's 409 for a conversation in use (`ConversationBusyError`, letta-wire §1.6): its detail
 * reads "CONFLICT: Cannot send a new message: Another request … is currently being processed for
 * this conversation…". Other 409s (a pending approval, nothing to cancel) are not waited out.
 */
function isConversationBusy(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const detail = (body as Record<string, unknown>).detail;
  return typeof detail === "string" && /Cannot send a new message: Another request/.test(detail);
}

/** Letta's explanation from an error body (`detail`, or `error.message`), kept short. */
function lettaDetail(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const record = body as Record<string, unknown>;
  const nested = record.error as Record<string, unknown> | undefined;
  const text =
    typeof record.message === "string"
      ? record.message
      : typeof record.detail === "string"
        ? record.detail
        : typeof nested?.message === "string"
          ? nested.message
          : undefined;
  return text ? `: ${text.slice(0, 300)}` : "";
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** An error's message without anything that could be a credential (URLs lose their userinfo). */
function safeMessage(error: unknown): string {
  const message =
    error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
  return (message || "unknown error").replace(/\/\/[^/@\s]*@/g, "//").slice(0, 300);
}
