import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("client.runs.get / list / cancel and client.panels", () => {
  it("gets the snapshot of a run, with the same text as its events", async () => {
    harness = await startHarness([scripted(1, "Snapshot text."), scripted(2, "And another one.")]);
    const client = createClient({ baseUrl: `${harness.url}/` });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    const events = [];
    for await (const event of run) events.push(event);
    const snapshot = await client.runs.get(run.runId);
    expect(snapshot).toMatchObject({ run_id: run.runId, status: "completed", last_seq: events.length });
    const texts = reassemble(events);
    for (const id of [agentId(1), agentId(2)]) {
      expect(snapshot.agents[id]).toMatchObject({ status: "completed", text: texts[id] });
    }
  });

  it("lists runs newest first and pages with next_after", async () => {
    harness = await startHarness([scripted(1, "One.")]);
    const client = createClient({ baseUrl: harness.url });
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const run = await client.runs.create({ message: `run ${index}`, agent_ids: [agentId(1)] });
      for await (const _event of run) continue;
      ids.push(run.runId);
    }
    const first = await client.runs.list({ limit: 2 });
    expect(first.runs.map((run) => run.run_id)).toEqual([ids[2], ids[1]]);
    expect(first.runs[0]).toMatchObject({ status: "completed", agents: 1, panel: null });
    const second = await client.runs.list({ limit: 2, after: first.next_after ?? "" });
    expect(second).toEqual({ runs: [expect.objectContaining({ run_id: ids[0] })], next_after: null });
    expect((await client.runs.list()).runs).toHaveLength(3);
  });

  it("cancels some agents (202), then the whole run (200), idempotently", async () => {
    const held = { faults: [{ kind: "hold" as const, after_events: 1 }] };
    harness = await startHarness([scripted(1, "Held one.", held), scripted(2, "Held two.", held)]);
    const h = harness;
    const client = createClient({ baseUrl: h.url });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    const reading = (async () => {
      const all = [];
      for await (const event of run) all.push(event);
      return all;
    })();
    await waitFor(() => h.sim.record.openStreams() === 2, "both agents streaming");
    expect(await client.runs.cancel(run.runId, { agent_ids: [agentId(1)] })).toEqual({
      run_id: run.runId,
      status: "running",
    });
    expect(await client.runs.cancel(run.runId)).toEqual({ run_id: run.runId, status: "cancelled" });
    expect(await client.runs.cancel(run.runId)).toEqual({ run_id: run.runId, status: "cancelled" });
    const events = await reading;
    expect(events.at(-1)).toMatchObject({
      type: "run.completed",
      status: "cancelled",
      agents: { [agentId(1)]: "cancelled", [agentId(2)]: "cancelled" },
    });
  });

  it("lists the configured panels and gets one", async () => {
    const solo = { description: "One agent", agents: [{ id: agentId(1), label: "Solo" }] };
    harness = await startHarness([scripted(1, "Hi.")], { panels: { solo } });
    const client = createClient({ baseUrl: harness.url });
    expect(await client.panels.list()).toEqual({ panels: [{ name: "solo", ...solo }] });
    expect(await client.panels.get("solo")).toEqual({ name: "solo", ...solo });
    await expect(client.panels.get("none")).rejects.toMatchObject({ code: "not_found", status: 404 });
  });
});
