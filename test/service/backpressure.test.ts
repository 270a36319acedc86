import { afterEach, describe, expect, it } from "vitest";
import { request, type IncomingMessage } from "node:http";
import { generateProse } from "../../src/simulator/index.js";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { agentId } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
const clients: IncomingMessage[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await harness?.close();
  harness = undefined;
});

/** Large enough to fill every socket buffer between the stalled reader and the simulator. */
const CHARS = 12_000_000;
const big = {
  id: agentId(1),
  name: "firehose",
  generate: { chars: CHARS, seed: 7 },
  speed: { chunk_tokens: 200 },
};

/** POSTs a run and hands back the response without reading it: a client that stalls. */
function stalledClient(h: Harness, body: object): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
    });
    req.on("response", (res) => {
      res.pause();
      clients.push(res);
      resolve(res);
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function readAll(res: IncomingMessage): Promise<FanoutEvent[]> {
  let text = "";
  res.setEncoding("utf8");
  res.resume();
  for await (const chunk of res) text += chunk as string;
  return text
    .split("\n\n")
    .filter((frame) => frame.includes("data: "))
    .map((frame) => JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as FanoutEvent);
}

// Megabytes of text go through real sockets here; on a busy 2-core machine that takes a while.
describe("backpressure from the run's own stream", { timeout: 60_000 }, () => {
  it("pause: stops reading upstream so the simulator's writes block, without idle timeout, then loses nothing", async () => {
    harness = await startHarness([big]);
    const h = harness;
    const res = await stalledClient(h, {
      message: "go",
      agent_ids: [agentId(1)],
      options: { agent_defaults: { idle_timeout_ms: 200, backpressure: { max_buffered_events: 64 } } },
    });
    const runId = String(res.headers["x-run-id"]);
    const stream = await waitFor(
      () => h.sim.record.streams(agentId(1)).find((s) => s.blocked),
      "simulator blocked",
      45_000,
    );
    const gate = h.service.runs.get(runId)?.run.gate;
    // What waits in the service is bounded by the limit (plus one read batch), not by the text.
    expect(gate?.pending(agentId(1))).toBeLessThanOrEqual(64 + 256);
    const blockedAt = Date.now();
    // Stay stalled for twice the idle timeout: a paused agent is not a silent upstream.
    await waitFor(() => Date.now() > blockedAt + 400, "paused beyond the idle timeout");
    const snapshot = (await (await fetch(`${h.url}/v1/runs/${runId}`)).json()) as {
      agents: Record<string, { text: string }>;
    };
    expect(snapshot.agents[agentId(1)]?.text.length).toBeLessThan(CHARS);
    const events = await readAll(res);
    expect(stream.blockedWrites).toBeGreaterThan(0);
    expect(ofType(events, "agent.completed")[0]?.status).toBe("completed");
    expect(reassemble(events)[agentId(1)]).toBe(generateProse(CHARS, 7));
    expect(ofType(events, "agent.retry")).toEqual([]);
  });

  it("fail: ends the agent as backpressure_overflow when the reader falls too far behind", async () => {
    harness = await startHarness([big]);
    const h = harness;
    const res = await stalledClient(h, {
      message: "go",
      agent_ids: [agentId(1)],
      options: { agent_defaults: { backpressure: { max_buffered_events: 64, on_overflow: "fail" } } },
    });
    const events = await readAll(res);
    expect(ofType(events, "agent.completed")[0]).toMatchObject({
      status: "failed",
      error: { code: "backpressure_overflow" },
    });
    expect(events.at(-1)?.type).toBe("run.completed");
  });

  it("coalesce: keeps reading and merges waiting deltas, fewer events and the exact text", async () => {
    harness = await startHarness([big]);
    const h = harness;
    const res = await stalledClient(h, {
      message: "go",
      agent_ids: [agentId(1)],
      options: { agent_defaults: { backpressure: { max_buffered_events: 64, on_overflow: "coalesce" } } },
    });
    await waitFor(
      () => h.sim.record.streams(agentId(1)).some((s) => s.endedNormally),
      "upstream read to its end",
      45_000,
    );
    const events = await readAll(res);
    const deltas = ofType(events, "agent.delta");
    const upstreamMessages = h.sim.record.streams(agentId(1))[0]?.messagesWritten ?? 0;
    expect(deltas.length).toBeLessThan(upstreamMessages);
    expect(reassemble(events)[agentId(1)]).toBe(generateProse(CHARS, 7));
  });
});
