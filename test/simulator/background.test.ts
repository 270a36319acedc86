import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { rawRequest, type RawResponse } from "../helpers/sim-raw-sse.js";
import { simJson } from "../helpers/sim-http.js";
import { researcherSpec } from "../helpers/sim-fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(agents: SimAgentSpec[], maxRunLogs?: number): Promise<Simulator> {
  sim = await startSimulator({ agents, ...(maxRunLogs === undefined ? {} : { maxRunLogs }) });
  return sim;
}

function send(
  simulator: Simulator,
  agentId: string,
  extra: Record<string, unknown> = {},
): Promise<RawResponse> {
  return rawRequest(`${simulator.url}/v1/agents/${agentId}/messages`, {
    body: { input: "hi", streaming: true, background: true, ...extra },
  });
}

function resume(simulator: Simulator, runId: string, startingAfter: number): Promise<RawResponse> {
  return rawRequest(`${simulator.url}/v1/runs/${runId}/stream`, { body: { starting_after: startingAfter } });
}

const seqs = (response: RawResponse) => response.dataEvents().map((event) => event["seq_id"]);
const runIdOf = (response: RawResponse) => String(response.dataEvents()[0]?.["run_id"]);

describe("background runs and resuming", () => {
  it("keeps the chunk logs of the newest maxRunLogs finished runs and answers 410 for older ones", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent], 2);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await send(simulator, agent.id);
      await response.finished;
      runIds.push(runIdOf(response));
    }
    const [oldest, middle, newest] = runIds;
    expect((await resume(simulator, oldest ?? "", 0)).status).toBe(410);
    for (const runId of [middle, newest]) {
      const replay = await resume(simulator, runId ?? "", 6);
      expect({ status: replay.status, end: await replay.finished }).toEqual({ status: 200, end: "end" });
      expect(replay.frames().at(-1)).toBe("data: [DONE]");
    }
  });

  it("numbers every chunk, showing seq_id only where the JSON has the key (letta-wire §1.3)", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const first = await send(simulator, agent.id);
    await first.finished;
    // ping 1, five messages 2..6, then stop_reason (7), usage (8) and [DONE] (9) show none.
    expect(seqs(first)).toEqual([1, 2, 3, 4, 5, 6, undefined, undefined]);
    const tail = await resume(simulator, runIdOf(first), 6);
    expect(await tail.finished).toBe("end");
    expect(tail.frames().map((frame) => frame.slice(0, 40))).toEqual([
      'data: {"message_type":"stop_reason","sto',
      'data: {"message_type":"usage_statistics"',
      "data: [DONE]",
    ]);
    const replay = await resume(simulator, runIdOf(first), 0);
    await replay.finished;
    expect(replay.text()).toBe(first.text());
  });

  it("has no ping chunk without include_pings, so messages start at seq_id 1", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const response = await send(simulator, agent.id, { include_pings: false });
    await response.finished;
    expect(seqs(response)).toEqual([1, 2, 3, 4, 5, undefined, undefined]);
  });

  it("keeps running with no reader, and a resume started mid-run follows it live", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 3 }] });
    const simulator = await start([agent]);
    const first = await send(simulator, agent.id, { stream_tokens: true });
    await waitFor(() => seqs(first).length === 4, "ping and three deltas");
    first.destroy();
    const runId = runIdOf(first);
    await waitFor(() => simulator.record.streams(agent.id)[0]?.closedByClient, "the first reader gone");
    const follower = await rawRequest(`${simulator.url}/v1/runs/${runId}/stream?starting_after=2`, {
      method: "GET",
    });
    await waitFor(() => follower.frames().length === 2, "the replay of seq 3 and 4");
    expect(seqs(follower)).toEqual([3, 4]);
    simulator.release(agent.id);
    expect(await follower.finished).toBe("end");
    const numbered = seqs(follower).filter((seq) => typeof seq === "number");
    expect(numbered).toEqual(numbered.map((_, index) => index + 3));
    expect((await simJson(`${simulator.url}/v1/runs/${runId}`)).body).toMatchObject({
      status: "completed",
      background: true,
    });
  });

  it("ends a resume after the error chunk, without [DONE] (letta-wire §1.3)", async () => {
    const agent = researcherSpec({ faults: [{ kind: "error", after_events: 2 }] });
    const simulator = await start([agent]);
    const first = await send(simulator, agent.id);
    await first.finished;
    const replay = await resume(simulator, runIdOf(first), 0);
    expect(await replay.finished).toBe("end");
    const frames = replay.frames();
    expect(frames.at(-1)).toMatch(/^event: error\ndata: \{"message_type":"error_message",.*"seq_id":5\}$/);
    expect(frames).not.toContain("data: [DONE]");
  });

  it("ends every reader of a cancelled background run", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent]);
    const first = await send(simulator, agent.id);
    await waitFor(() => first.frames().length === 2, "held after one message");
    const second = await resume(simulator, runIdOf(first), 0);
    await waitFor(() => second.frames().length === 2, "the replay");
    expect((await simJson(`${simulator.url}/v1/agents/${agent.id}/messages/cancel`, {})).status).toBe(200);
    for (const reader of [first, second]) {
      expect(await reader.finished).toBe("end");
      expect(reader.frames().slice(-2)).toEqual([
        'data: {"message_type": "stop_reason", "stop_reason": "cancelled"}',
        'event: cancelled\ndata: {"message": "Run was cancelled"}',
      ]);
    }
    expect((await simJson(`${simulator.url}/v1/runs/${runIdOf(first)}`)).body).toMatchObject({
      status: "cancelled",
      stop_reason: "cancelled",
    });
  });

  it("refuses to resume unknown and foreground runs with Letta's errors", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    expect(await simJson(`${simulator.url}/v1/runs/run-missing/stream`, {})).toMatchObject({
      status: 404,
      body: { detail: "Run with id run-missing not found" },
    });
    const foreground = await send(simulator, agent.id, { background: false });
    await foreground.finished;
    expect(await simJson(`${simulator.url}/v1/runs/${runIdOf(foreground)}/stream`, {})).toMatchObject({
      status: 400,
      body: {
        detail: "INVALID_ARGUMENT: Run was not created in background mode, so it cannot be retrieved.",
      },
    });
  });
});
