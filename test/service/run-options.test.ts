import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LONG = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma.";

async function run(body: object) {
  if (!harness) throw new Error("no harness");
  return readEvents(await harness.stream({ message: "go", ...body }));
}

describe("run options (API.md §1)", () => {
  it("opens at most max_concurrency streams and queues the rest in order", async () => {
    const slow = { ttft_ms: 30, tokens_per_second: 400 };
    harness = await startHarness([1, 2, 3, 4, 5].map((n) => scripted(n, LONG, { speed: slow })));
    const ids = [1, 2, 3, 4, 5].map(agentId);
    const events = await run({ agent_ids: ids, options: { max_concurrency: 2 } });
    expect(harness.sim.record.maxOpenStreams()).toBe(2);
    expect(ofType(events, "agent.queued").map((event) => [event.agent_id, event.position])).toEqual([
      [ids[2], 1],
      [ids[3], 2],
      [ids[4], 3],
    ]);
    expect(Object.values(reassemble(events))).toEqual([LONG, LONG, LONG, LONG, LONG]);
    // One slot: the queue order is the order Letta sees the messages.
    harness.sim.record.reset();
    await run({ agent_ids: ids, options: { max_concurrency: 1 } });
    expect(harness.sim.record.maxOpenStreams()).toBe(1);
    const sent = harness.sim.record
      .requests()
      .filter((request) => request.kind === "message")
      .map((request) => request.agentId);
    expect(sent).toEqual(ids);
    expect(Object.values(reassemble(events))).toEqual([LONG, LONG, LONG, LONG, LONG]);
  });

  it("complete_when.first: k cancels the rest once k agents completed", async () => {
    harness = await startHarness([
      scripted(1, "Quick."),
      scripted(2, LONG, { faults: [{ kind: "hold", after_events: 2 }] }),
    ]);
    const events = await run({
      agent_ids: [agentId(1), agentId(2)],
      options: { complete_when: { first: 1 } },
    });
    const completed = Object.fromEntries(
      ofType(events, "agent.completed").map((e) => [e.agent_id, e.status]),
    );
    expect(completed).toEqual({ [agentId(1)]: "completed", [agentId(2)]: "cancelled" });
    expect(ofType(events, "run.completed")[0]?.status).toBe("completed");
  });

  it("ends agents still running at the run deadline as timed_out", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 2 }] })]);
    const events = await run({ agent_ids: [agentId(1)], options: { deadline_ms: 300 } });
    expect(ofType(events, "agent.completed")[0]).toMatchObject({
      status: "timed_out",
      error: { code: "deadline_exceeded" },
    });
    expect(ofType(events, "run.completed")[0]?.status).toBe("timed_out");
  });

  it("applies an agent's own timeout_ms while the others finish", async () => {
    harness = await startHarness([
      scripted(1, "Done."),
      scripted(2, LONG, { faults: [{ kind: "hold", after_events: 1 }] }),
    ]);
    const events = await run({
      agent_ids: [agentId(1), agentId(2)],
      agents: { [agentId(2)]: { timeout_ms: 200 } },
    });
    const completed = Object.fromEntries(
      ofType(events, "agent.completed").map((e) => [e.agent_id, e.status]),
    );
    expect(completed).toEqual({ [agentId(1)]: "completed", [agentId(2)]: "timed_out" });
    expect(ofType(events, "run.completed")[0]?.status).toBe("partial");
  });

  it("include and raw choose which outputs become events", async () => {
    harness = await startHarness([
      {
        id: agentId(1),
        name: "tool user",
        script: [
          { reasoning: "Think." },
          { tool_call: { name: "lookup", arguments: {}, result: "ok" } },
          { assistant: "Answer." },
        ],
      },
    ]);
    const only = await run({
      agent_ids: [agentId(1)],
      options: { agent_defaults: { include: ["assistant"] } },
    });
    expect(new Set(only.map((event) => event.type))).toEqual(
      new Set(["run.started", "agent.started", "agent.delta", "agent.completed", "run.completed"]),
    );
    expect(reassemble(only)[agentId(1)]).toBe("Answer.");
    const raw = await run({ agent_ids: [agentId(1)], options: { agent_defaults: { raw: true } } });
    const types = ofType(raw, "agent.letta").map(
      (event) => (event.message as { message_type: string }).message_type,
    );
    expect(types).toContain("ping");
    expect(types).toContain("tool_return_message");
    expect(types).toContain("usage_statistics");
  });

  it("coalesce batches deltas into fewer events with exactly the same text", async () => {
    harness = await startHarness([scripted(1, LONG)]);
    const plain = await run({ agent_ids: [agentId(1)] });
    const merged = await run({
      agent_ids: [agentId(1)],
      options: { agent_defaults: { coalesce: { max_chars: 40 } } },
    });
    expect(reassemble(merged)[agentId(1)]).toBe(LONG);
    const sizes = ofType(merged, "agent.delta").map((event) => event.text.length);
    expect(sizes.length).toBeLessThan(ofType(plain, "agent.delta").length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
  });

  it("rate_limit paces text in slices without changing it", async () => {
    harness = await startHarness([scripted(1, LONG)]);
    const events = await run({
      agent_ids: [agentId(1)],
      options: { agent_defaults: { stream_tokens: false, rate_limit: { chars_per_second: 400 } } },
    });
    // 400 chars/s in 50 ms ticks: slices of 20 characters.
    const slices = ofType(events, "agent.delta").map((event) => event.text.length);
    expect(slices.length).toBe(Math.ceil(LONG.length / 20));
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
  });
});
