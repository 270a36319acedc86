import { describe, expect, it } from "vitest";
import type { AgentEndStatus } from "../protocol/events.js";
import { RunOutcome } from "./run-outcome.js";

const metrics = {
  queued_ms: 0,
  ttft_ms: null,
  duration_ms: 0,
  attempts: 1,
  events: 1,
  chars: 0,
  completion_tokens: 0,
  tokens_per_second: null,
};
const done = (outcome: RunOutcome, agent_id: string, status: AgentEndStatus) =>
  outcome.observe({ type: "agent.completed", agent_id, status, metrics }, 5);

describe("RunOutcome.status (API.md §3 Run status)", () => {
  it("is completed when every agent completed, partial with some, failed with none", () => {
    const all = new RunOutcome(["a", "b"]);
    done(all, "a", "completed");
    done(all, "b", "completed");
    expect(all.status()).toBe("completed");
    const some = new RunOutcome(["a", "b"]);
    done(some, "a", "completed");
    done(some, "b", "failed");
    expect(some.status()).toBe("partial");
    const none = new RunOutcome(["a", "b"]);
    done(none, "a", "failed");
    done(none, "b", "cancelled");
    expect(none.status()).toBe("failed");
  });

  it("keeps the first thing that ended the run early, and ignores it once all agents are done", () => {
    const outcome = new RunOutcome(["a", "b"]);
    outcome.end("timed_out");
    outcome.end("cancelled");
    expect(outcome.status()).toBe("timed_out");
    const finished = new RunOutcome(["a"]);
    done(finished, "a", "completed");
    finished.end("cancelled");
    expect(finished.status()).toBe("completed");
  });

  it("counts failed and timed-out agents as failed in the metrics", () => {
    const outcome = new RunOutcome(["a", "b", "c"]);
    done(outcome, "a", "failed");
    done(outcome, "b", "timed_out");
    done(outcome, "c", "completed");
    expect(outcome.metrics(10)).toMatchObject({ agents_completed: 1, agents_failed: 2, events: 5 });
  });
});
