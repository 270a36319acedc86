import Letta from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  startSimulator,
  type SimAgentSpec,
  type Simulator,
  type SimulatorOptions,
} from "../../src/simulator/index.js";
import { rawRequest, type RawResponse } from "../helpers/sim-raw-sse.js";
import { simJson } from "../helpers/sim-http.js";
import { RESEARCHER_HI, researcherSpec } from "../helpers/sim-fixtures.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import { waitFor } from "../helpers/wait-for.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(agents: SimAgentSpec[], options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ agents, ...options });
  return sim;
}

function stream(
  simulator: Simulator,
  agentId: string,
  extra: Record<string, unknown> = {},
): Promise<RawResponse> {
  return rawRequest(`${simulator.url}/v1/agents/${agentId}/messages`, {
    body: { messages: [{ role: "user", content: "hi" }], streaming: true, ...extra },
  });
}

const messages = (response: RawResponse) =>
  response.dataEvents().filter((event) => String(event["message_type"]).endsWith("_message"));

describe("faults", () => {
  it("answers a status fault with Letta's body and only the headers the fault asks for", async () => {
    const agent = researcherSpec({
      faults: [
        { kind: "status", status: 429, retry_after: 7, requests: [1] },
        { kind: "status", status: 500, should_retry: false, requests: [2] },
      ],
    });
    const simulator = await start([agent]);
    const first = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      body: { input: "hi" },
    });
    expect([first.status, first.headers["retry-after"], first.headers["x-should-retry"]]).toEqual([
      429,
      "7",
      undefined,
    ]);
    await first.finished;
    expect(JSON.parse(first.text())).toEqual({
      error: {
        type: "llm_rate_limit",
        message: "Rate limit exceeded for LLM model provider. Please wait before making another request.",
        detail: "Simulated rate limit",
      },
    });
    const second = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, { input: "hi" });
    expect([second.status, second.headers.get("x-should-retry"), second.body]).toEqual([
      500,
      "false",
      { detail: "An unknown error occurred" },
    ]);
    expect((await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, { input: "hi" })).status).toBe(
      200,
    );
  });

  it("fails only background requests with a background_only 503, like Letta without Redis", async () => {
    const agent = researcherSpec({
      faults: [{ kind: "status", status: 503, background_only: true, times: "always" }],
    });
    const simulator = await start([agent]);
    const foreground = await stream(simulator, agent.id);
    expect(foreground.status).toBe(200);
    await foreground.finished;
    const background = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      input: "hi",
      streaming: true,
      background: true,
    });
    expect(background.status).toBe(503);
    expect((background.body as { detail: string }).detail).toMatch(
      /^INTERNAL_SERVER_ERROR: Background streaming requires Redis/,
    );
  });

  it("answers every background request with 503 when the simulator has background off", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent], { background: false });
    const response = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      input: "hi",
      streaming: true,
      background: true,
    });
    expect(response.status).toBe(503);
  });

  it("applies an injected fault to the next request only, then serves normally", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const letta = new Letta({ baseURL: simulator.url, apiKey: "test-key", maxRetries: 0 });
    simulator.faults.inject(agent.id, { kind: "status", status: 502 });
    expect(simulator.faults.list(agent.id)).toHaveLength(1);
    await expect(letta.agents.messages.create(agent.id, { input: "hi" })).rejects.toMatchObject({
      status: 502,
    });
    expect(simulator.faults.list(agent.id)).toHaveLength(0);
    const reply = await letta.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
    });
    expect(reassemble(reply.messages).map((message) => message.text)).toEqual(
      RESEARCHER_HI.map((message) => message.text),
    );
    expect(() => simulator.faults.inject(agent.id, { kind: "drop", after_events: -1 })).toThrow(
      /after_events/,
    );
  });

  it("delays the headers by slow_headers", async () => {
    const agent = researcherSpec({ faults: [{ kind: "slow_headers", delay_ms: 120 }] });
    const simulator = await start([agent]);
    const started = performance.now();
    const response = await stream(simulator, agent.id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    await response.finished;
    expect(messages(response)).toHaveLength(5);
  });

  it("sends one broken data line with malformed, which makes the SDK throw", async () => {
    const agent = researcherSpec({ faults: [{ kind: "malformed", after_events: 2, requests: [1, 2] }] });
    const simulator = await start([agent]);
    const response = await stream(simulator, agent.id);
    await response.finished;
    const frames = response.frames();
    const index = frames.indexOf('data: {"message_type":"assistant_message","content":"trunc');
    expect(index).toBe(3);
    expect(messages(response)).toHaveLength(5);
    const letta = new Letta({ baseURL: simulator.url, apiKey: "test-key", logLevel: "off" });
    const sdkStream = await letta.agents.messages.create(agent.id, { input: "hi", streaming: true });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const event of sdkStream) seen.push(event);
      })(),
    ).rejects.toThrow(SyntaxError);
    expect(seen).toHaveLength(3);
  });

  it("sends one valid event of exactly the requested size with oversized", async () => {
    const agent = researcherSpec({ faults: [{ kind: "oversized", after_events: 1, bytes: 100_000 }] });
    const simulator = await start([agent]);
    const response = await stream(simulator, agent.id);
    await response.finished;
    const big = response.frames()[2] ?? "";
    expect(Buffer.byteLength(big) + 2).toBe(100_000);
    expect(JSON.parse(big.slice(6))).toMatchObject({ message_type: "ping" });
    expect(messages(response)).toHaveLength(5);
  });

  it("stalls a stream: after N events nothing at all, not even pings, until the client leaves", async () => {
    const stalled = researcherSpec({ faults: [{ kind: "stall", after_events: 2 }] });
    const clock = researcherSpec({ faults: [{ kind: "hold", after_events: 0 }] });
    const simulator = await start([stalled, clock], { pingIntervalMs: 10 });
    const response = await stream(simulator, stalled.id);
    // Another held stream pings every 10 ms: once it has pinged 5 times, the stalled one had time to.
    const ticking = await stream(simulator, clock.id);
    await waitFor(() => ticking.frames().length >= 6, "five keepalive pings elsewhere");
    expect(response.dataEvents().map((event) => event["message_type"])).toEqual([
      "ping",
      "reasoning_message",
      "tool_call_message",
    ]);
    const record = simulator.record.streams(stalled.id)[0];
    expect([record?.stalledByFault, record?.open]).toEqual([true, true]);
    response.destroy();
    await waitFor(() => record?.open === false, "the stalled stream closed");
    expect(record?.closedByClient).toBe(true);
    simulator.release(clock.id);
    await ticking.finished;
  });

  it("holds runs until released; an early release lets the next hold pass", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1, times: "always" }] });
    const simulator = await start([agent]);
    const [a, b] = await Promise.all([stream(simulator, agent.id), stream(simulator, agent.id)]);
    await waitFor(() => a.frames().length === 2 && b.frames().length === 2, "both held after one message");
    expect(simulator.release(agent.id)).toBe(2);
    await Promise.all([a.finished, b.finished]);
    expect([messages(a).length, messages(b).length]).toEqual([5, 5]);
    expect(simulator.record.maxOpenStreams(agent.id)).toBe(2);
    expect(simulator.release(agent.id)).toBe(0);
    const c = await stream(simulator, agent.id);
    expect(await c.finished).toBe("end");
  });

  it("applies resume faults to resume requests only", async () => {
    const agent = researcherSpec({ faults: [{ kind: "drop", on: "resume", after_events: 1 }] });
    const simulator = await start([agent]);
    const first = await stream(simulator, agent.id, { background: true });
    await first.finished;
    expect(messages(first)).toHaveLength(5);
    const runId = String(first.dataEvents()[0]?.["run_id"]);
    const dropped = await rawRequest(`${simulator.url}/v1/runs/${runId}/stream`, {
      body: { starting_after: 0 },
    });
    expect(await dropped.finished).toBe("close");
    expect(messages(dropped)).toHaveLength(1);
    const again = await rawRequest(`${simulator.url}/v1/runs/${runId}/stream`, {
      body: { starting_after: 0 },
    });
    expect(await again.finished).toBe("end");
    expect(messages(again)).toHaveLength(5);
  });
});
