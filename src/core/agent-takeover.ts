import type { AgentOptions } from "../protocol/agent-options.js";
import type { AgentProgress } from "./agent-progress.js";
import type { Failure } from "./classify-failure.js";
import type { AttemptState } from "./read-attempt.js";

/**
 * How to continue an agent that another instance was running (API.md §4 and §6): a message
 * Letta accepted is resumed from the last `seq_id` in the log, never sent again; one it never
 * accepted is sent; one it accepted without a way to resume (foreground) ends
 * `upstream_disconnected`, keeping its text. The takeover counts as an attempt.
 */
export function takeOver(
  progress: AgentProgress,
  options: AgentOptions,
  state: AttemptState,
): { kind: "retry"; mode: "resend" | "resume" } | { kind: "fail"; failure: Failure } {
  const lost = "The instance running this agent stopped";
  if (progress.attempt + 1 > options.retry.max_attempts) {
    return {
      kind: "fail",
      failure: {
        code: "upstream_disconnected",
        message: `${lost}, and its attempts (retry.max_attempts = ${options.retry.max_attempts}) are spent.`,
        retryable: false,
      },
    };
  }
  if (!progress.accepted) return { kind: "retry", mode: "resend" };
  if (progress.background && progress.letta_run_id !== undefined) {
    state.accepted = true;
    state.lettaRunId = progress.letta_run_id;
    state.lastSeqId = progress.last_seq_id;
    return { kind: "retry", mode: "resume" };
  }
  if (options.retry.resend_after_accept) return { kind: "retry", mode: "resend" };
  return {
    kind: "fail",
    failure: {
      code: "upstream_disconnected",
      message: `${lost} after Letta accepted the message, and its stream cannot be resumed (it was not in background mode); the text so far is kept.`,
      retryable: false,
    },
  };
}
