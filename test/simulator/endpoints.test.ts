import { afterEach, describe, expect, it, vi } from "vitest";
import {
  startSimulator,
  type SimAgentSpec,
  type Simulator,
  type SimulatorOptions,
} from "../../src/simulator/index.js";
import { rawRequest } from "../helpers/sim-raw-sse.js";
import { simJson } from "../helpers/sim-http.js";
import { researcherSpec } from "../helpers/sim-fixtures.js";
import { simAgentId } from "../helpers/sim-agent-id.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import { waitFor } from "../helpers/wait-for.js";

let sim: Simulator | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = undefined;
});

async function start(agents: SimAgentSpec[], options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ agents, ...options });
  return sim;
}

const HI = { messages: [{ role: "user", content: "hi" }] };

describe("request validation, like Letta's", () => {
  it.each([
    [
      "both input and messages",
      { ...HI, input: "x" },
      "Cannot specify both 'input' and 'messages'. Use one or the other.",
    ],
    ["neither input nor messages", { streaming: true }, "Must specify either 'input' or 'messages'."],
  ])("answers 422 with a pydantic detail string for %s", async (_name, body, message) => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const response = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, body);
    expect(response.status).toBe(422);
    const detail = (response.body as { detail: string }).detail;
    expect(detail).toMatch(/^\[\{'type': 'value_error', 'loc': \('body',\), 'msg': "Value error, /);
    expect(detail).toContain(message);
  });

  it("answers Letta's explicit 422s for empty messages and streaming options without streaming", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const url = `${simulator.url}/v1/agents/${agent.id}/messages`;
    expect(await simJson(url, { messages: [] })).toMatchObject({
      status: 422,
      body: { detail: "Messages must not be empty" },
    });
    expect((await simJson(url, { ...HI, stream_tokens: true, background: true })).body).toEqual({
      detail:
        "Streaming options set without streaming enabled. stream_tokens can only be true when streaming=true; " +
        "background can only be true when streaming=true. Either set streaming=true or use default values for streaming options.",
    });
    const invalid = await simJson(url, "{not json");
    expect(invalid.status).toBe(422);
    expect((invalid.body as { detail: string }).detail).toMatch(
      /^\[\{'type': 'json_invalid', 'loc': \('body', 0\)/,
    );
    const badType = await simJson(url, { ...HI, streaming: "maybe" });
    expect((badType.body as { detail: string }).detail).toContain(
      "'type': 'bool_parsing', 'loc': ('body', 'streaming')",
    );
  });

  it("ignores unknown fields and streams on the deprecated /messages/stream whatever streaming says", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const response = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages/stream`, {
      body: { ...HI, streaming: false, stream_tokens: true, some_future_field: 1 },
    });
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    await response.finished;
    expect(reassemble(response.dataEvents())).toHaveLength(5);
  });

  it("checks the path id before the body and the agent (422 malformed id, then 404)", async () => {
    const simulator = await start([]);
    const bad = await simJson(`${simulator.url}/v1/agents/agent-XYZ/messages`, {});
    expect(bad.status).toBe(422);
    expect((bad.body as { examples: string[] }).examples).toEqual([
      "agent-123e4567-e89b-42d3-8456-426614174000",
    ]);
    const id = simAgentId();
    expect(await simJson(`${simulator.url}/v1/agents/${id}/messages`, HI)).toMatchObject({
      status: 404,
      body: { detail: `Agent with ID ${id} not found` },
    });
  });

  it("answers FastAPI's 404 and 405 for unknown routes and methods", async () => {
    const simulator = await start([]);
    expect(await simJson(`${simulator.url}/v1/nothing`)).toMatchObject({
      status: 404,
      body: { detail: "Not Found" },
    });
    expect(await simJson(`${simulator.url}/v1/health/`, {})).toMatchObject({
      status: 405,
      body: { detail: "Method Not Allowed" },
    });
  });
});

describe("agents and runs endpoints", () => {
  it("lists agents with Letta's filters, on both trailing-slash forms", async () => {
    const [a, b, c] = [
      researcherSpec({ name: "a", tags: ["x", "y"] }),
      researcherSpec({ name: "b", tags: ["x"] }),
      researcherSpec({ name: "c", tags: ["z"] }),
    ];
    const simulator = await start([a, b, c]);
    const ids = async (query: string) =>
      ((await simJson(`${simulator.url}/v1/agents${query}`)).body as { id: string }[]).map(
        (agent) => agent.id,
      );
    expect(await ids("/")).toEqual([c.id, b.id, a.id]);
    expect(await ids("?order=asc")).toEqual([a.id, b.id, c.id]);
    expect(await ids("/?tags=x&tags=z")).toEqual([c.id, b.id, a.id]);
    expect(await ids("/?tags=x&tags=y&match_all_tags=true")).toEqual([a.id]);
    expect(await ids("/?name=b")).toEqual([b.id]);
    expect(await ids(`/?after=${c.id}&limit=1`)).toEqual([b.id]);
    expect(await ids(`/?before=${a.id}`)).toEqual([c.id, b.id]);
    expect(await ids(`/?after=${simAgentId()}`)).toEqual([]);
    const tags = async (query: string) =>
      ((await simJson(`${simulator.url}/v1/agents/${a.id}${query}`)).body as { tags: string[] }).tags;
    expect(await tags("")).toEqual([]);
    expect(await tags("?include=agent.tags")).toEqual(["x", "y"]);
  });

  it("keeps runs with their status, stop reason and timings", async () => {
    const agent = researcherSpec({ faults: [{ kind: "error", after_events: 0, requests: [2] }] });
    const simulator = await start([agent]);
    const url = `${simulator.url}/v1/agents/${agent.id}/messages`;
    await simJson(url, HI);
    const failed = await simJson(url, HI);
    expect(failed).toMatchObject({
      status: 500,
      body: {
        error: {
          type: "llm_error",
          message: "An error occurred with the LLM request.",
          detail: "Simulated LLM provider error",
        },
      },
    });
    const runs = (await simJson(`${simulator.url}/v1/runs/?agent_id=${agent.id}`)).body as Record<
      string,
      unknown
    >[];
    expect(runs.map((run) => [run["status"], run["stop_reason"], run["background"]])).toEqual([
      ["failed", "llm_api_error", false],
      ["completed", "end_turn", false],
    ]);
    const completed = runs[1] ?? {};
    expect(completed["total_duration_ns"]).toEqual(expect.any(Number));
    expect(await simJson(`${simulator.url}/v1/runs/${String(completed["id"])}`)).toMatchObject({
      status: 200,
      body: completed,
    });
    expect((await simJson(`${simulator.url}/v1/runs?statuses=failed`)).body).toHaveLength(1);
    expect((await simJson(`${simulator.url}/v1/runs/?active=true`)).body).toEqual([]);
    expect(await simJson(`${simulator.url}/v1/runs/run-nope`)).toMatchObject({
      status: 404,
      body: { detail: "Run with id run-nope not found" },
    });
  });

  it("puts the user's message into {{message}} literally", async () => {
    const agent = researcherSpec({ script: [{ assistant: "You said: {{message}}!" }] });
    const simulator = await start([agent]);
    const input = [
      { type: "text", text: "costs $& and $1 " },
      { type: "text", text: "{{message}}" },
    ];
    const reply = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, { input });
    expect((reply.body as { messages: { content: string }[] }).messages[0]?.content).toBe(
      "You said: costs $& and $1 {{message}}!",
    );
  });

  it("stops at max_steps with stop_reason max_steps", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const reply = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, { ...HI, max_steps: 1 });
    const body = reply.body as {
      messages: { message_type: string }[];
      stop_reason: unknown;
      usage: { step_count: number };
    };
    expect(body.messages.map((message) => message.message_type)).toEqual([
      "reasoning_message",
      "tool_call_message",
      "tool_return_message",
    ]);
    expect(body.stop_reason).toEqual({ message_type: "stop_reason", stop_reason: "max_steps" });
    expect(body.usage.step_count).toBe(1);
  });

  it("gives step streaming to a model Letta cannot token-stream", async () => {
    const agent = researcherSpec({ model: "groq/llama-3.1-70b" });
    const simulator = await start([agent]);
    const response = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      body: { ...HI, streaming: true, stream_tokens: true },
    });
    await response.finished;
    expect(
      response.dataEvents().filter((event) => String(event["message_type"]).endsWith("_message")),
    ).toHaveLength(5);
  });

  it("adds, replaces and removes agents while running", async () => {
    const simulator = await start([]);
    const agent = researcherSpec({ name: "first" });
    simulator.agents.upsert(agent);
    expect(simulator.agents.get(agent.id)?.name).toBe("first");
    simulator.agents.upsert({ ...agent, name: "second" });
    expect(((await simJson(`${simulator.url}/v1/agents/${agent.id}`)).body as { name: string }).name).toBe(
      "second",
    );
    expect(simulator.agents.list()).toHaveLength(1);
    expect(simulator.agents.remove(agent.id)).toBe(true);
    expect((await simJson(`${simulator.url}/v1/agents/${agent.id}`)).status).toBe(404);
    expect(() => simulator.agents.upsert({ ...agent, id: "agent-1" })).toThrow(/agent-<uuid4>/);
  });

  it("requires the API key when configured, exempts health, and never records the key", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent], { apiKey: "s3cret-key" });
    const url = `${simulator.url}/v1/agents/${agent.id}`;
    expect(await simJson(url)).toMatchObject({ status: 401, body: { detail: "Unauthorized" } });
    expect((await simJson(url, undefined, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await simJson(url, undefined, { authorization: "Bearer s3cret-key" })).status).toBe(200);
    expect((await simJson(`${simulator.url}/v1/health/`)).status).toBe(200);
    expect(JSON.stringify(simulator.record.requests())).not.toContain("s3cret-key");
    expect(simulator.record.requests().map((request) => request.headers["authorization"])).toEqual([
      undefined,
      "Bearer [REDACTED]",
      "Bearer [REDACTED]",
      undefined,
    ]);
  });

  it("cancels a non-streaming run the agent loop's way and reports unknown run ids as failed", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent]);
    const reply = simJson(`${simulator.url}/v1/agents/${agent.id}/messages`, HI);
    const runId = await waitFor(async () => {
      const runs = (await simJson(`${simulator.url}/v1/runs/?active=true`)).body as { id: string }[];
      return runs[0]?.id;
    }, "the active run");
    const cancel = await simJson(`${simulator.url}/v1/agents/${agent.id}/messages/cancel`, {
      run_ids: [runId, "run-unknown"],
    });
    expect(cancel.body).toEqual({ [runId]: "cancelled", "run-unknown": "failed" });
    const body = (await reply).body as { messages: unknown[]; stop_reason: unknown };
    expect(body.stop_reason).toEqual({ message_type: "stop_reason", stop_reason: "cancelled" });
    expect(body.messages).toHaveLength(1);
    expect(simulator.record.cancels(agent.id)).toEqual([
      {
        agentId: agent.id,
        requestedRunIds: [runId, "run-unknown"],
        result: cancel.body,
        status: 200,
        at: expect.any(Number) as number,
      },
    ]);
  });

  it("answers 410 for a background run older than the TTL (checked with a faked clock)", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const response = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      body: { ...HI, streaming: true, background: true },
    });
    await response.finished;
    const runId = String(response.dataEvents()[0]?.["run_id"]);
    const resume = () => simJson(`${simulator.url}/v1/runs/${runId}/stream`, { starting_after: 0 });
    expect((await rawRequest(`${simulator.url}/v1/runs/${runId}/stream`, { body: {} })).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3 * 60 * 60 * 1000 + 1 });
    expect(await resume()).toMatchObject({
      status: 410,
      body: { detail: "EXPIRED: Run was created more than 3 hours ago, and is now expired." },
    });
  });

  it("closes every open stream on close(), recording them as closed by the server", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent]);
    const response = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      body: { ...HI, streaming: true },
    });
    await waitFor(() => response.frames().length === 2, "held after one message");
    await simulator.close();
    expect(await response.finished).toBe("close");
    const [record] = simulator.record.streams(agent.id);
    expect([record?.open, record?.closedByClient, record?.endedNormally]).toEqual([false, false, false]);
    expect(simulator.record.openStreams()).toBe(0);
  });
});
