import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LONG = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.";
const fast = { retry: { initial_delay_ms: 1, max_delay_ms: 5 } };

async function run(body: object) {
  if (!harness) throw new Error("no harness");
  const events = await readEvents(await harness.stream({ message: "go", ...body }));
  const completed = ofType(events, "agent.completed");
  return { events, completed };
}

const messagePosts = (id: string) =>
  harness?.sim.record.requests(id).filter((r) => r.kind === "message") ?? [];

describe("retry and resume (API.md §4)", () => {
  it("ends an unknown agent as agent_not_found without retrying, while the others complete", async () => {
    harness = await startHarness([scripted(1, "Still here.")]);
    const { events, completed } = await run({ agent_ids: [agentId(1), agentId(99)] });
    expect(completed.find((event) => event.agent_id === agentId(99))).toMatchObject({
      status: "failed",
      error: { code: "agent_not_found" },
    });
    expect(ofType(events, "agent.retry")).toEqual([]);
    expect(reassemble(events)[agentId(1)]).toBe("Still here.");
    expect(ofType(events, "run.completed")[0]?.status).toBe("partial");
    expect(harness.sim.record.requests(agentId(99)).filter((r) => r.kind === "message")).toHaveLength(1);
  });

  it("re-sends once after a 429 with Retry-After, waiting what Letta asked", async () => {
    harness = await startHarness([
      scripted(1, LONG, { faults: [{ kind: "status", status: 429, retry_after: 0 }] }),
    ]);
    const { events, completed } = await run({ agent_ids: [agentId(1)] });
    expect(ofType(events, "agent.retry")).toMatchObject([
      { attempt: 2, mode: "resend", delay_ms: 0, reason: "upstream_rate_limited" },
    ]);
    expect(completed[0]).toMatchObject({ status: "completed", metrics: { attempts: 2 } });
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    expect(messagePosts(agentId(1))).toHaveLength(2);
  });

  it("resumes a background stream that dropped, after the last seq_id, with nothing lost or doubled", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "drop", after_events: 5 }] })]);
    const { events, completed } = await run({ agent_ids: [agentId(1)], options: { agent_defaults: fast } });
    const retry = ofType(events, "agent.retry");
    expect(retry).toMatchObject([{ attempt: 2, mode: "resume", reason: "upstream_disconnected" }]);
    const resumes = harness.sim.record.requests(agentId(1)).filter((r) => r.kind === "resume");
    expect(resumes).toHaveLength(1);
    expect(resumes[0]?.body).toMatchObject({ starting_after: retry[0]?.resume_after });
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    expect(completed[0]).toMatchObject({ status: "completed", metrics: { attempts: 2 } });
    expect(messagePosts(agentId(1))).toHaveLength(1);
    const started = ofType(events, "agent.started");
    expect(started.map((event) => event.attempt)).toEqual([1, 2]);
    expect(started[1]?.letta_run_id).toBe(started[0]?.letta_run_id);
  });

  it("fails a dropped foreground stream as upstream_disconnected and never re-sends the message", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "drop", after_events: 5 }] })]);
    const { events, completed } = await run({
      agent_ids: [agentId(1)],
      options: { agent_defaults: { ...fast, background: false } },
    });
    expect(completed[0]).toMatchObject({ status: "failed", error: { code: "upstream_disconnected" } });
    expect(messagePosts(agentId(1))).toHaveLength(1);
    // The text that arrived before the drop stays in the log.
    expect(LONG.startsWith(reassemble(events)[agentId(1)] ?? "")).toBe(true);
    expect((reassemble(events)[agentId(1)] ?? "").length).toBeGreaterThan(0);
  });

  it("ends a stalled stream as idle_timeout", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "stall", after_events: 3 }] })]);
    const { completed } = await run({
      agent_ids: [agentId(1)],
      options: { agent_defaults: { ...fast, background: false, idle_timeout_ms: 200 } },
    });
    expect(completed[0]).toMatchObject({ status: "failed", error: { code: "idle_timeout" } });
    expect(messagePosts(agentId(1))).toHaveLength(1);
  });

  it("treats a Letta error event as final: upstream_error, no resume", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "error", after_events: 4 }] })]);
    const { events, completed } = await run({ agent_ids: [agentId(1)], options: { agent_defaults: fast } });
    expect(completed[0]).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(ofType(events, "agent.retry")).toEqual([]);
    expect(harness.sim.record.requests(agentId(1)).filter((r) => r.kind === "resume")).toHaveLength(0);
  });

  it("fails only the agent that sent a malformed or oversized event; the others finish", async () => {
    harness = await startHarness(
      [
        scripted(1, LONG, { faults: [{ kind: "malformed", after_events: 3 }] }),
        scripted(2, LONG, { faults: [{ kind: "oversized", after_events: 3, bytes: 200_000 }] }),
        scripted(3, "Unaffected."),
      ],
      { limits: { max_upstream_event_bytes: 65_536 } },
    );
    const { events, completed } = await run({ agent_ids: [agentId(1), agentId(2), agentId(3)] });
    const byAgent = Object.fromEntries(completed.map((event) => [event.agent_id, event]));
    expect(byAgent[agentId(1)]).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(byAgent[agentId(2)]).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(byAgent[agentId(3)]?.status).toBe("completed");
    expect(reassemble(events)[agentId(3)]).toBe("Unaffected.");
  });

  it("falls back to foreground after a 503 on a background request, with no retry event", async () => {
    harness = await startHarness([
      scripted(1, LONG, {
        faults: [{ kind: "status", status: 503, background_only: true, times: "always" }],
      }),
    ]);
    const { events, completed } = await run({ agent_ids: [agentId(1)] });
    expect(ofType(events, "agent.retry")).toEqual([]);
    expect(completed[0]).toMatchObject({ status: "completed", metrics: { attempts: 1 } });
    const posts = messagePosts(agentId(1));
    expect(posts.map((post) => (post.body as { background?: boolean }).background ?? false)).toEqual([
      true,
      false,
    ]);
  });
});
