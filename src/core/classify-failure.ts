import type { AgentErrorCode } from "../protocol/events.js";
import { UpstreamFailure } from "./agent-source.js";

/** A failed attempt in the terms of API.md §4. */
export interface Failure {
  code: AgentErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  backgroundUnavailable?: boolean;
}

/** The upstream was silent for longer than `idle_timeout_ms`: treated as a dropped stream. */
export class IdleTimeout extends Error {
  override readonly name = "IdleTimeout";
  constructor(readonly ms: number) {
    super(`Letta sent nothing (not even a ping) for ${ms} ms (idle_timeout_ms).`);
  }
}

/** `backpressure.on_overflow: "fail"` and the run's own stream fell too far behind. */
export class BackpressureOverflow extends Error {
  override readonly name = "BackpressureOverflow";
  constructor(readonly limit: number) {
    super(
      `More than ${limit} events of this agent waited for the run's stream to take them ` +
        `(backpressure.max_buffered_events with on_overflow "fail").`,
    );
  }
}

/** Sorts whatever an attempt threw into a Failure. Abort by our own stop signal is handled before. */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof UpstreamFailure) {
    const failure: Failure = { code: error.code, message: error.message, retryable: error.facts.retryable };
    if (error.facts.retryAfterMs !== undefined) failure.retryAfterMs = error.facts.retryAfterMs;
    if (error.facts.backgroundUnavailable) failure.backgroundUnavailable = true;
    return failure;
  }
  if (error instanceof IdleTimeout) return { code: "idle_timeout", message: error.message, retryable: true };
  if (error instanceof BackpressureOverflow) {
    return { code: "backpressure_overflow", message: error.message, retryable: false };
  }
  return {
    code: "internal",
    message: "The agent stream failed unexpectedly; see the service log.",
    retryable: false,
  };
}
