import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { freshRequest } from "../helpers/raw-http.js";
import { sseFrames, type SseFrame } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("graceful shutdown", () => {
  it("lets running runs finish within the grace, then ends remaining readers with shutting_down", async () => {
    harness = await startHarness([
      scripted(1, "Finishing during the grace period.", { speed: { ttft_ms: 100 } }),
    ]);
    const h = harness;
    const run = await h.stream({ message: "go", agent_ids: [agentId(1)] });
    const firehose = await fetch(`${h.url}/v1/events`);
    await waitFor(() => h.sim.record.openStreams() === 1, "agent stream open");
    const stopping = h.service.shutdown(5_000);
    // New runs are refused while shutting down.
    const refused = await h.post("/v1/runs", { message: "late", agent_ids: [agentId(1)] });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    const types: string[] = [];
    for await (const frame of sseFrames(run)) types.push(frame.event ?? "");
    expect(types.at(-1)).toBe("run.completed");
    const last: SseFrame[] = [];
    for await (const frame of sseFrames(firehose)) last.push(frame);
    expect(last.at(-1)).toMatchObject({ event: "error", retry: "2000" });
    expect(JSON.parse(last.at(-1)?.data ?? "{}")).toMatchObject({ type: "error", code: "shutting_down" });
    await stopping;
  });

  it("keeps listening through the grace: a client that connects now gets 503 and /readyz says shutting_down", async () => {
    harness = await startHarness([scripted(1, "Held until released.", { faults: [{ kind: "hold" }] })]);
    const h = harness;
    const run = await h.stream({ message: "go", agent_ids: [agentId(1)] });
    await waitFor(() => h.sim.record.openStreams() === 1, "agent stream open");
    expect((await freshRequest(`${h.url}/readyz`)).status).toBe(200);

    const stopping = h.server.stop(10_000);
    const ready = await freshRequest(`${h.url}/readyz`);
    expect({ status: ready.status, body: JSON.parse(ready.body) as unknown }).toEqual({
      status: 503,
      body: { status: "shutting_down" },
    });
    const refused = await freshRequest(`${h.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "late", agent_ids: [agentId(1)] }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "overloaded" } });

    // The running run still finishes within the grace, and its own stream reads it to the end.
    h.sim.release(agentId(1));
    const types: string[] = [];
    for await (const frame of sseFrames(run)) types.push(frame.event ?? "");
    expect(types.at(-1)).toBe("run.completed");
    await stopping;
    await expect(freshRequest(`${h.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
