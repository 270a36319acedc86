import { afterEach, describe, expect, it } from "vitest";
import {
  generateProse,
  startSimulator,
  tokenize,
  type SimAgentSpec,
  type Simulator,
} from "../../src/simulator/index.js";
import { rawRequest } from "../helpers/sim-raw-sse.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import { researcherSpec } from "../helpers/sim-fixtures.js";
import { simAgentId } from "../helpers/sim-agent-id.js";
import { waitFor } from "../helpers/wait-for.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(agents: SimAgentSpec[], pingIntervalMs?: number): Promise<Simulator> {
  sim = await startSimulator({ agents, ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }) });
  return sim;
}

function send(simulator: Simulator, agentId: string, extra: Record<string, unknown> = {}) {
  return rawRequest(`${simulator.url}/v1/agents/${agentId}/messages`, {
    body: { messages: [{ role: "user", content: "hi" }], streaming: true, ...extra },
  });
}

describe("SSE framing, byte for byte", () => {
  it.each([true, false])(
    "writes data-only frames of compact JSON and ends after [DONE] (tokens: %s)",
    async (tokens) => {
      const agent = researcherSpec();
      const simulator = await start([agent]);
      const response = await send(simulator, agent.id, { stream_tokens: tokens });
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      expect(await response.finished).toBe("end");
      const text = response.text();
      expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
      expect(text).not.toMatch(/^(id|event|retry):|^:/m);
      expect(text).not.toContain("\r");
      const frames = response.frames();
      expect(frames.at(-1)).toBe("data: [DONE]");
      for (const frame of frames.slice(0, -1)) {
        expect(frame).toMatch(/^data: \{[^\n]*\}$/);
        const json = frame.slice(6);
        expect(JSON.stringify(JSON.parse(json))).toBe(json);
      }
      const types = response.dataEvents().map((event) => event["message_type"]);
      expect(types[0]).toBe("ping");
      expect(types.slice(-2)).toEqual(["stop_reason", "usage_statistics"]);
    },
  );

  it("writes every LettaMessage field in Letta's order with nulls included", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const response = await send(simulator, agent.id, { stream_tokens: true });
    await response.finished;
    const [ping, reasoning] = response.frames();
    const common = [
      "id",
      "date",
      "name",
      "message_type",
      "otid",
      "sender_id",
      "step_id",
      "is_err",
      "seq_id",
      "run_id",
    ];
    expect(Object.keys(JSON.parse(ping?.slice(6) ?? "{}") as object)).toEqual(common);
    expect(Object.keys(JSON.parse(reasoning?.slice(6) ?? "{}") as object)).toEqual([
      ...common,
      "source",
      "reasoning",
      "signature",
    ]);
    expect(reasoning).toMatch(/"date":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00","name":null,/);
    const call = response.dataEvents().find((event) => event["message_type"] === "tool_call_message");
    // Token-mode ToolCallDelta: the name only in the first delta, None keys left out (letta-wire §3.5).
    expect(Object.keys(call?.["tool_call"] as object)).toEqual(["name", "arguments", "tool_call_id"]);
    const later = response.dataEvents().filter((event) => event["message_type"] === "tool_call_message")[1];
    expect(Object.keys(later?.["tool_call"] as object)).toEqual(["arguments", "tool_call_id"]);
    expect(later?.["tool_calls"]).toEqual(later?.["tool_call"]);
  });

  it("sends a mid-stream error as stop_reason, event: error, [DONE], then ends", async () => {
    const agent = researcherSpec({
      faults: [{ kind: "error", after_events: 1, error_type: "llm_timeout", detail: "took too long" }],
    });
    const simulator = await start([agent]);
    const response = await send(simulator, agent.id);
    expect(await response.finished).toBe("end");
    const frames = response.frames();
    const runId = String(response.dataEvents()[0]?.["run_id"]);
    expect(frames.slice(-3)).toEqual([
      'data: {"message_type":"stop_reason","stop_reason":"llm_api_error"}',
      `event: error\ndata: {"message_type":"error_message","run_id":"${runId}","error_type":"llm_timeout","message":"LLM request timed out. Please try again.","detail":"took too long","seq_id":null}`,
      "data: [DONE]",
    ]);
    expect(response.text().match(/^event:/gm)).toHaveLength(1);
  });

  it("flushes the headers and the initial ping before any agent output", async () => {
    const held = researcherSpec({ faults: [{ kind: "hold", after_events: 0 }] });
    const slow = researcherSpec({ speed: { ttft_ms: 600_000 } });
    const simulator = await start([held, slow]);
    for (const agent of [held, slow]) {
      // Resolves on the response headers: they cannot wait for the agent's (held / 10-minute) output.
      const response = await send(simulator, agent.id);
      await waitFor(() => response.frames().length === 1, "the initial ping");
      expect(response.dataEvents()[0]).toMatchObject({ message_type: "ping", seq_id: null });
      expect(response.dataEvents()[0]?.["run_id"]).toMatch(/^run-/);
      response.destroy();
    }
    expect(simulator.release(held.id)).toBe(1);
  });

  it("sends keepalive pings at the configured interval while a run is held", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent], 30);
    const response = await send(simulator, agent.id);
    const arrivals: number[] = [];
    response.response.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"message_type":"ping"')) arrivals.push(performance.now());
    });
    await waitFor(() => arrivals.length >= 4, "four keepalive pings");
    simulator.release(agent.id);
    expect(await response.finished).toBe("end");
    const events = response.dataEvents();
    const types = events.map((event) => event["message_type"]);
    expect(types.slice(0, 3)).toEqual(["ping", "reasoning_message", "ping"]);
    const keepalives = events.slice(2).filter((event) => event["message_type"] === "ping");
    expect(keepalives.length).toBeGreaterThanOrEqual(4);
    expect(
      keepalives.every((ping) => ping["seq_id"] === null && ping["run_id"] === events[0]?.["run_id"]),
    ).toBe(true);
    const gaps = arrivals.slice(1).map((time, index) => time - (arrivals[index] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25);
    expect(reassemble(events).map((message) => message.message_type)).toHaveLength(5);
  });

  it("gives background keepalive pings the last seq_id sent", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent], 20);
    const response = await send(simulator, agent.id, { background: true });
    await waitFor(() => response.dataEvents().length >= 4, "keepalive pings");
    const [ping, reasoning, keepalive] = response.dataEvents();
    expect([
      ping?.["seq_id"],
      reasoning?.["seq_id"],
      keepalive?.["message_type"],
      keepalive?.["seq_id"],
    ]).toEqual([1, 2, "ping", 2]);
    simulator.release(agent.id);
    expect(await response.finished).toBe("end");
  });

  it("ends a cancelled stream with Letta's spaced stop_reason and event: cancelled", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent]);
    const response = await send(simulator, agent.id);
    await waitFor(() => response.frames().length === 2, "ping and first message");
    const cancel = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages/cancel`, { body: {} });
    expect(cancel.status).toBe(200);
    expect(await response.finished).toBe("end");
    expect(response.text().split("\n\n").slice(-3)).toEqual([
      'data: {"message_type": "stop_reason", "stop_reason": "cancelled"}',
      'event: cancelled\ndata: {"message": "Run was cancelled"}',
      "",
    ]);
  });

  it("blocks its writes when the client stops reading, and resumes when it reads again", async () => {
    const agent: SimAgentSpec = {
      id: simAgentId(),
      name: "firehose",
      script: [],
      generate: { chars: 400_000, seed: 3 },
    };
    const simulator = await start([agent]);
    const response = await send(simulator, agent.id, { stream_tokens: true });
    response.pause();
    const record = await waitFor(
      () => simulator.record.streams(agent.id).find((stream) => stream.blocked),
      "a blocked write",
    );
    expect(record.blockedWrites).toBeGreaterThan(0);
    const writtenWhileBlocked = record.messagesWritten;
    // The run waits for 'drain' instead of buffering: nothing more is written while blocked.
    await new Promise((resolve) => setImmediate(resolve));
    expect(record.messagesWritten).toBe(writtenWhileBlocked);
    expect(writtenWhileBlocked).toBeLessThan(tokenize(generateProse(400_000, 3)).length);
    response.resume();
    expect(await response.finished).toBe("end");
    expect(record.endedNormally).toBe(true);
    const answer = reassemble(response.dataEvents()).map((message) => message.text);
    expect(answer).toEqual([generateProse(400_000, 3)]);
  });
});
