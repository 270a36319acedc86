import type { AgentOptions } from "../protocol/agent-options.js";
import { backoffDelay } from "./backoff.js";
import type { Failure } from "./classify-failure.js";
import type { AttemptState } from "./read-attempt.js";

export type RetryPlan =
  { kind: "retry"; mode: "resend" | "resume"; delayMs: number } | { kind: "fail"; failure: Failure };

/**
 * Decides what follows a failed attempt (API.md §4): before Letta accepted the message, send it
 * again; after, only resume a background run after its last `seq_id`, never re-send unless
 * `retry.resend_after_accept`. A `Retry-After` replaces the backoff, and one that would pass the
 * agent's deadline fails the agent as `upstream_rate_limited` instead of waiting.
 */
export function planRetry(
  failure: Failure,
  attempt: number,
  options: AgentOptions,
  state: AttemptState,
  background: boolean,
  deadlineAt: number,
  clock: { now: () => number; random: () => number },
): RetryPlan {
  if (!failure.retryable) return { kind: "fail", failure };
  const { retry } = options;
  if (attempt >= retry.max_attempts) {
    return {
      kind: "fail",
      failure: {
        ...failure,
        message: `${failure.message} Gave up after ${attempt} attempt(s) (retry.max_attempts).`,
      },
    };
  }
  let mode: "resend" | "resume" = "resend";
  if (state.accepted) {
    if (background && state.lettaRunId !== undefined) mode = "resume";
    else if (!retry.resend_after_accept) {
      // In background mode the run id comes with the first event (the initial ping): a stream that
      // opened and then sent nothing cannot be resumed either, for another reason than foreground.
      const why = background
        ? "Letta had not named its run yet (no event arrived after the headers)"
        : "the request was not in background mode";
      return {
        kind: "fail",
        failure: {
          ...failure,
          code: failure.code === "idle_timeout" ? "idle_timeout" : "upstream_disconnected",
          message:
            `${failure.message} Letta had already accepted the message and the stream cannot be resumed ` +
            `(${why}), so it was not sent again (retry.resend_after_accept is false).`,
        },
      };
    }
  }
  if (failure.retryAfterMs !== undefined) {
    if (clock.now() + failure.retryAfterMs > deadlineAt) {
      return {
        kind: "fail",
        failure: {
          ...failure,
          code: "upstream_rate_limited",
          message: `Letta asked to wait ${Math.ceil(failure.retryAfterMs / 1000)} s (Retry-After), past the agent's deadline.`,
        },
      };
    }
    return { kind: "retry", mode, delayMs: failure.retryAfterMs };
  }
  return { kind: "retry", mode, delayMs: backoffDelay(attempt, retry, clock.random) };
}
