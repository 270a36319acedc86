import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
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
});
