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

/**
 * Whether an attempt failed in transport (the connection dropped or went silent), as opposed
 * to a verdict of Letta's (an error event, a refusal) or of ours (backpressure overflow).
 */
export function isTransportFailure(error: unknown): boolean {
  return (
    error instanceof IdleTimeout ||
    (error instanceof UpstreamFailure && error.code === "upstream_disconnected")
  );
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
  return internalFailure();
}

/** A failure of our own making: the message says where the cause is (the run service logs it). */
export function internalFailure(): Failure {
  return {
    code: "internal",
    message:
      "The agent stream failed because of an error inside letta-fanout, not Letta; the service log " +
      "(stderr) has its cause on a line naming this run and agent.",
    retryable: false,
  };
}
