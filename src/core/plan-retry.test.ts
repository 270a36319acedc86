import { describe, expect, it } from "vitest";
import { resolveAgentOptions } from "../protocol/agent-options.js";
import { backoffDelay } from "./backoff.js";
import { planRetry } from "./plan-retry.js";
import type { AttemptState } from "./read-attempt.js";

const clock = { now: () => 1_000, random: () => 1 };
const options = resolveAgentOptions({
  retry: { max_attempts: 3, initial_delay_ms: 100, max_delay_ms: 250, multiplier: 2 },
});
const state = (accepted: boolean, lettaRunId?: string): AttemptState => ({
  accepted,
  lettaRunId,
  lastSeqId: accepted ? 7 : undefined,
  stopReason: undefined,
});
const drop = { code: "upstream_disconnected" as const, message: "dropped.", retryable: true };

describe("backoffDelay", () => {
  it("grows by the multiplier, caps at max_delay_ms, and jitters within [0, ceiling]", () => {
    const retry = { initial_delay_ms: 100, max_delay_ms: 250, multiplier: 2 };
    expect([1, 2, 3].map((n) => backoffDelay(n, retry, () => 1))).toEqual([100, 200, 250]);
    expect(backoffDelay(3, retry, () => 0)).toBe(0);
  });
});

describe("planRetry", () => {
  it("re-sends a message Letta never accepted", () => {
    expect(planRetry(drop, 1, options, state(false), true, 10_000, clock)).toEqual({
      kind: "retry",
      mode: "resend",
      delayMs: 100,
    });
  });

  it("resumes an accepted background run instead of re-sending", () => {
    expect(planRetry(drop, 1, options, state(true, "run-1"), true, 10_000, clock)).toMatchObject({
      mode: "resume",
    });
  });

  it("fails an accepted foreground stream as upstream_disconnected unless resend_after_accept", () => {
    const plan = planRetry(drop, 1, options, state(true, "run-1"), false, 10_000, clock);
    expect(plan).toMatchObject({ kind: "fail", failure: { code: "upstream_disconnected" } });
    const idle = planRetry({ ...drop, code: "idle_timeout" }, 1, options, state(true), false, 10_000, clock);
    expect(idle).toMatchObject({ kind: "fail", failure: { code: "idle_timeout" } });
    const resend = resolveAgentOptions({ retry: { resend_after_accept: true } });
    expect(planRetry(drop, 1, resend, state(true), false, 10_000, clock)).toMatchObject({ mode: "resend" });
  });

  it("stops at max_attempts and never retries a final failure", () => {
    expect(planRetry(drop, 3, options, state(false), true, 10_000, clock)).toMatchObject({ kind: "fail" });
    const final = { code: "agent_not_found" as const, message: "no.", retryable: false };
    expect(planRetry(final, 1, options, state(false), true, 10_000, clock)).toEqual({
      kind: "fail",
      failure: final,
    });
  });

  it("uses Retry-After instead of the backoff, and fails rate-limited when it would pass the deadline", () => {
    const limited = {
      code: "upstream_rate_limited" as const,
      message: "429.",
      retryable: true,
      retryAfterMs: 3_000,
    };
    expect(planRetry(limited, 1, options, state(false), true, 10_000, clock)).toEqual({
      kind: "retry",
      mode: "resend",
      delayMs: 3_000,
    });
    expect(planRetry(limited, 1, options, state(false), true, 3_999, clock)).toMatchObject({
      kind: "fail",
      failure: { code: "upstream_rate_limited" },
    });
  });
});
