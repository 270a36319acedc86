import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, sseFrames } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LONG = "Words that keep coming while nobody is listening any more, one after another after another.";
const held = (n: number) => scripted(n, LONG, { faults: [{ kind: "hold", after_events: 2 }] });

/** Starts a 202 run and waits until every agent's stream is open and held. */
async function startHeld(h: Harness, ids: string[], options: object = {}) {
  const response = await h.post("/v1/runs", { message: "go", agent_ids: ids, options });
  const { run_id } = (await response.json()) as { run_id: string };
  await waitFor(() => h.sim.record.openStreams() === ids.length, "all streams open");
  return run_id;
}

describe("cancelling", () => {
  it("POST /v1/runs/{id}/cancel closes every upstream stream, calls Letta's cancel, and is idempotent", async () => {
    harness = await startHarness([held(1), held(2)]);
    const h = harness;
    const ids = [agentId(1), agentId(2)];
    const runId = await startHeld(h, ids);
    const first = await h.post(`/v1/runs/${runId}/cancel`, {});
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ run_id: runId, status: "cancelled" });
    await waitFor(() => h.sim.record.openStreams() === 0, "upstream streams closed");
    for (const id of ids) {
      expect(h.sim.record.streams(id).every((stream) => stream.closedByClient)).toBe(true);
      expect(h.sim.record.requests(id).filter((request) => request.kind === "cancel")).toHaveLength(1);
    }
    const again = await h.post(`/v1/runs/${runId}/cancel`, {});
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ run_id: runId, status: "cancelled" });
    const events = await readEvents(await fetch(`${h.url}/v1/runs/${runId}/events`));
    expect(ofType(events, "agent.completed").map((event) => event.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
  });

  it("cancels only the named agents", async () => {
    harness = await startHarness([held(1), scripted(2, "Fine.", { speed: { ttft_ms: 100 } })]);
    const h = harness;
    const runId = await startHeld(h, [agentId(1), agentId(2)]);
    const response = await h.post(`/v1/runs/${runId}/cancel`, { agent_ids: [agentId(1)] });
    expect(response.status).toBe(202);
    const events = await readEvents(await fetch(`${h.url}/v1/runs/${runId}/events`));
    const status = Object.fromEntries(ofType(events, "agent.completed").map((e) => [e.agent_id, e.status]));
    expect(status).toEqual({ [agentId(1)]: "cancelled", [agentId(2)]: "completed" });
    expect(ofType(events, "run.completed")[0]?.status).toBe("partial");
  });

  it("a client that disconnects with on_disconnect cancel closes every upstream stream", async () => {
    harness = await startHarness([held(1), held(2)]);
    const h = harness;
    const controller = new AbortController();
    const response = await h.stream(
      { message: "go", agent_ids: [agentId(1), agentId(2)] },
      { signal: controller.signal },
    );
    const runId = response.headers.get("x-run-id") ?? "";
    await waitFor(() => h.sim.record.openStreams() === 2, "both streams open");
    controller.abort();
    await waitFor(() => h.sim.record.openStreams() === 0, "upstream streams closed after disconnect");
    await waitFor(
      () => h.sim.record.requests(agentId(1)).some((request) => request.kind === "cancel"),
      "Letta cancel called",
    );
    // Letta's cancel is awaited (bounded) before the agents report cancelled, so the run ends just after.
    await waitFor(async () => {
      const snapshot = (await (await fetch(`${h.url}/v1/runs/${runId}`)).json()) as { status: string };
      return snapshot.status === "cancelled";
    }, "run cancelled");
  });

  it("with on_disconnect continue the run finishes and stays readable", async () => {
    harness = await startHarness([scripted(1, LONG, { speed: { ttft_ms: 50, tokens_per_second: 300 } })]);
    const h = harness;
    const controller = new AbortController();
    const response = await h.stream(
      { message: "go", agent_ids: [agentId(1)], options: { on_disconnect: "continue" } },
      { signal: controller.signal },
    );
    const runId = response.headers.get("x-run-id") ?? "";
    for await (const frame of sseFrames(response)) if (frame.event === "agent.started") break;
    controller.abort();
    const events = await readEvents(await fetch(`${h.url}/v1/runs/${runId}/events`));
    expect(ofType(events, "run.completed")[0]?.status).toBe("completed");
    expect(h.sim.record.requests(agentId(1)).some((request) => request.kind === "cancel")).toBe(false);
  });
});
