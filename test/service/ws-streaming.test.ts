import { afterEach, describe, expect, it } from "vitest";
import { generateProse } from "../../src/simulator/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { reassemble, sseFrames } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { expectWholeLog, LONG_ANSWER, heldAgent, openWs, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

const held = heldAgent;

describe("GET /v1/ws: streaming runs", () => {
  it("multiplexes two runs on one socket: each complete, in seq order, with the scripted text, interleaved", async () => {
    harness = await startHarness([held(1), scripted(2, "The second run's answer.")]);
    const h = harness;
    const ws = await openWs(h.url);
    ws.send({ type: "run.create", request_id: "a", message: "go", agent_ids: [agentId(1)] });
    const createdA = await ws.answer("a");
    expect(createdA).toMatchObject({ type: "run.created", status: "running", agents: [agentId(1)] });
    const runA = String(createdA.run_id);
    // Run A is held mid-answer; run B runs to its end meanwhile on the same socket.
    await ws.next((frame) => frame.run_id === runA && frame.type === "agent.delta", "a delta of run A");
    ws.send({ type: "run.create", request_id: "b", message: "go", agent_ids: [agentId(2)] });
    const runB = String((await ws.answer("b")).run_id);
    const eventsB = await ws.completed(runB);
    h.sim.release(agentId(1));
    const eventsA = await ws.completed(runA);

    expectWholeLog(eventsA);
    expectWholeLog(eventsB);
    expect(reassemble(eventsA)).toEqual({ [agentId(1)]: LONG_ANSWER });
    expect(reassemble(eventsB)).toEqual({ [agentId(2)]: "The second run's answer." });
    const runOf = ws.frames.filter((frame) => "seq" in frame).map((frame) => frame.run_id);
    expect(runOf.indexOf(runB)).toBeGreaterThan(runOf.indexOf(runA));
    expect(runOf.lastIndexOf(runA)).toBeGreaterThan(runOf.lastIndexOf(runB));
    // The acknowledgement comes before the run's first event.
    const index = (match: (frame: (typeof ws.frames)[number]) => boolean) => ws.frames.findIndex(match);
    expect(index((frame) => frame.type === "run.created" && frame.run_id === runB)).toBeLessThan(
      index((frame) => frame.type === "run.started" && frame.run_id === runB),
    );
  });

  it("sends each event as the same JSON text the SSE stream carries, and subscribe after a cursor gives exactly the rest", async () => {
    harness = await startHarness([scripted(1, LONG_ANSWER), scripted(2, "Short.")]);
    const h = harness;
    const started = await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1), agentId(2)] });
    const { run_id: runId } = (await started.json()) as { run_id: string };
    const sse: string[] = [];
    for await (const frame of sseFrames(await fetch(`${h.url}/v1/runs/${runId}/events`)))
      sse.push(frame.data);

    const ws = await openWs(h.url);
    ws.send({ type: "subscribe", run_id: runId, request_id: "all" });
    expect(await ws.answer("all")).toMatchObject({ type: "subscribed", run_id: runId, after: "0" });
    await ws.completed(runId);
    expect(ws.texts.filter((_, index) => "seq" in (ws.frames[index] ?? {}))).toEqual(sse);

    const cursor = 5;
    const late = await openWs(h.url);
    late.send({ type: "subscribe", run_id: runId, after: String(cursor), request_id: "rest" });
    expect(await late.answer("rest")).toMatchObject({ type: "subscribed", after: String(cursor) });
    const rest = await late.completed(runId);
    expect(rest.map((event) => event.seq)).toEqual(sse.slice(cursor).map((_, index) => cursor + index + 1));
    expect(late.texts.filter((_, index) => "seq" in (late.frames[index] ?? {}))).toEqual(sse.slice(cursor));
  });

  it("holds no queue for a stalled socket: the run finishes unslowed, the socket buffer stays bounded, nothing is lost", async () => {
    const chars = 12_000_000;
    harness = await startHarness([
      { id: agentId(1), name: "firehose", generate: { chars, seed: 7 }, speed: { chunk_tokens: 200 } },
    ]);
    const h = harness;
    const ws = await openWs(h.url);
    ws.socket.pause();
    ws.send({ type: "run.create", request_id: "big", message: "go", agent_ids: [agentId(1)] });
    // The run list carries each run's status without its text (the snapshot holds all 12 MB).
    const listed = async () =>
      ((await (await fetch(`${h.url}/v1/runs`)).json()) as { runs: { run_id: string; status: string }[] })
        .runs[0];
    const run = await waitFor(
      async () => (await listed())?.status === "completed" && listed(),
      "the run completed while its socket is stalled",
      30_000,
    );
    const runId = run.run_id;
    const [server] = [...h.service.ws.server.clients];
    // High-water mark plus one read batch, not the ~14 MB the run produced.
    expect(server?.bufferedAmount).toBeGreaterThan(0);
    expect(server?.bufferedAmount).toBeLessThan(1024 * 1024);
    ws.socket.resume();
    const events = await ws.completed(runId, 30_000);
    expectWholeLog(events);
    expect(reassemble(events)[agentId(1)]).toBe(generateProse(chars, 7));
  }, 60_000);
});
