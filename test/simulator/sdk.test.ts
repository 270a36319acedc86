import Letta, { APIError, ConflictError, NotFoundError } from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import { RESEARCHER_HI, researcherSpec } from "../helpers/sim-fixtures.js";
import { simAgentId } from "../helpers/sim-agent-id.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function client(simulator: Simulator, maxRetries = 2): Letta {
  return new Letta({ baseURL: simulator.url, apiKey: "test-key", maxRetries });
}

async function collect(stream: AsyncIterable<unknown>): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  for await (const event of stream) events.push(event as Record<string, unknown>);
  return events;
}

function summary(events: readonly unknown[]) {
  return reassemble(events).map(({ message_type, text, toolName, status }) => ({
    message_type,
    text,
    ...(toolName === undefined ? {} : { toolName }),
    ...(status === undefined ? {} : { status }),
  }));
}

describe("the simulator through the official SDK", () => {
  it.each([true, false])("streams the script exactly (stream_tokens: %s)", async (streamTokens) => {
    const agent = researcherSpec();
    sim = await startSimulator({ agents: [agent] });
    const stream = await client(sim).agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      streaming: true,
      stream_tokens: streamTokens,
    });
    const events = await collect(stream);
    expect(summary(events)).toEqual(RESEARCHER_HI);
    const types = events.map((event) => event["message_type"]);
    expect(types[0]).toBe("ping");
    expect(types.slice(-2)).toEqual(["stop_reason", "usage_statistics"]);
    expect(events.at(-2)).toEqual({ message_type: "stop_reason", stop_reason: "end_turn" });
    expect(events.at(-1)).toMatchObject({ step_count: 2 });
    // Token mode sends many deltas, step mode one event per message.
    const messages = events.filter((event) => String(event["message_type"]).endsWith("_message"));
    if (streamTokens) expect(messages.length).toBeGreaterThan(10);
    else expect(messages).toHaveLength(5);
    // One id per LLM step, shared by its sub-messages; the tool return has its own; otids by index.
    const [reasoning1, call, toolReturn, reasoning2, answer] = reassemble(events);
    expect(call?.id).toBe(reasoning1?.id);
    expect(toolReturn?.id).not.toBe(call?.id);
    expect(answer?.id).toBe(reasoning2?.id);
    expect(answer?.id).not.toBe(reasoning1?.id);
    // otid = the step's message UUID with its low 7 bits set to the sub-message index.
    const index = (otid = "") => Number.parseInt(otid.slice(-2), 16) & 0x7f;
    expect([
      index(reasoning1?.otid),
      index(call?.otid),
      index(toolReturn?.otid),
      index(answer?.otid),
    ]).toEqual([0, 1, 0, 1]);
    expect(call?.otid.slice(0, 34)).toBe(reasoning1?.id.slice("message-".length, "message-".length + 34));
    expect(toolReturn?.toolCallId).toBe(call?.toolCallId);
    const runId = (events[0] as { run_id: string }).run_id;
    expect(messages.every((event) => event["run_id"] === runId && event["seq_id"] === null)).toBe(true);
  });

  it("answers streaming: false with a LettaResponse holding the same messages", async () => {
    const agent = researcherSpec();
    sim = await startSimulator({ agents: [agent] });
    const response = await client(sim).agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
    });
    expect(summary(response.messages)).toEqual(RESEARCHER_HI);
    expect(response.stop_reason).toEqual({ message_type: "stop_reason", stop_reason: "end_turn" });
    expect(response.usage.step_count).toBe(2);
    expect(response.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("resumes a dropped background stream with exactly the rest, nothing twice", async () => {
    const agent = researcherSpec({ faults: [{ kind: "drop", after_events: 2 }] });
    sim = await startSimulator({ agents: [agent] });
    const letta = client(sim, 0);
    const first: Record<string, unknown>[] = [];
    const stream = await letta.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      streaming: true,
      stream_tokens: true,
      background: true,
    });
    await expect(
      (async () => {
        for await (const event of stream) first.push(event as Record<string, unknown>);
      })(),
    ).rejects.toThrow();
    expect(first.map((event) => event["message_type"])).toEqual([
      "ping",
      "reasoning_message",
      "reasoning_message",
    ]);
    const lastSeq = Number(first.at(-1)?.["seq_id"]);
    expect(lastSeq).toBe(3);
    const runId = String(first[0]?.["run_id"]);
    const rest = await collect(await letta.runs.messages.stream(runId, { starting_after: lastSeq }));
    const all = [...first, ...rest];
    expect(summary(all)).toEqual(RESEARCHER_HI);
    const seqs = all.map((event) => event["seq_id"]).filter((seq): seq is number => typeof seq === "number");
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(rest.slice(-2).map((event) => event["message_type"])).toEqual(["stop_reason", "usage_statistics"]);
    expect((await letta.runs.retrieve(runId)).status).toBe("completed");
    expect(sim.record.streams(agent.id).map((s) => [s.droppedByFault, s.resumedFrom])).toEqual([
      [true, null],
      [false, 3],
    ]);
  });

  it("cancels an open stream: it ends with stop_reason cancelled and the run is cancelled", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    sim = await startSimulator({ agents: [agent] });
    const letta = client(sim);
    const stream = await letta.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      streaming: true,
    });
    const events: Record<string, unknown>[] = [];
    const reading = (async () => {
      for await (const event of stream) events.push(event as Record<string, unknown>);
    })();
    await waitFor(() => events.length === 2, "the ping and the first message");
    const runId = String(events[0]?.["run_id"]);
    const result = await letta.agents.messages.cancel(agent.id);
    expect(result).toEqual({ [runId]: "cancelled" });
    await reading;
    expect(events.at(-1)).toEqual({ message_type: "stop_reason", stop_reason: "cancelled" });
    expect(events.map((event) => event["message_type"])).toEqual([
      "ping",
      "reasoning_message",
      "stop_reason",
    ]);
    const run = await letta.runs.retrieve(runId);
    expect([run.status, run.stop_reason]).toEqual(["cancelled", "cancelled"]);
    expect(sim.record.cancels(agent.id)).toHaveLength(1);
  });

  it("answers a cancel with nothing active with 409 ConflictError", async () => {
    const agent = researcherSpec();
    sim = await startSimulator({ agents: [agent] });
    const error = await client(sim, 0)
      .agents.messages.cancel(agent.id)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).error).toEqual({
      detail: `CONFLICT: No active runs to cancel for agent ${agent.id}`,
    });
  });

  it("auto-paginates agents by tag and stops after the last page", async () => {
    const demo = Array.from({ length: 5 }, (_, index) =>
      researcherSpec({ name: `demo ${index}`, tags: ["demo"] }),
    );
    const other = researcherSpec({ name: "other", tags: ["other"] });
    sim = await startSimulator({ agents: [...demo, other] });
    const seen: string[] = [];
    for await (const agent of client(sim).agents.list({
      tags: ["demo"],
      limit: 2,
      include: ["agent.tags"],
    })) {
      seen.push(agent.id);
      expect(agent.tags).toEqual(["demo"]);
    }
    expect(seen).toEqual(demo.map((agent) => agent.id).reverse());
    // Pages of 2, 2, 1, then the empty page that ends the SDK's loop.
    expect(sim.record.requests().filter((request) => request.kind === "list")).toHaveLength(4);
  });

  it("maps an unknown agent to NotFoundError with Letta's body", async () => {
    sim = await startSimulator();
    const id = simAgentId();
    const error = await client(sim)
      .agents.retrieve(id)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).error).toEqual({ detail: `Agent with ID ${id} not found` });
  });

  it("lets the SDK's own retry honour a 429 with Retry-After: 0", async () => {
    const agent = researcherSpec({ faults: [{ kind: "status", status: 429, retry_after: 0 }] });
    sim = await startSimulator({ agents: [agent] });
    const stream = await client(sim).agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      streaming: true,
    });
    expect(summary(await collect(stream))).toEqual(RESEARCHER_HI);
    const requests = sim.record.requests(agent.id).filter((request) => request.kind === "message");
    expect(requests.map((request) => [request.status, request.headers["x-stainless-retry-count"]])).toEqual([
      [429, "0"],
      [200, "1"],
    ]);
    expect(requests[0]?.headers["authorization"]).toBe("Bearer [REDACTED]");
  });

  it("makes the SDK throw APIError on a mid-stream error", async () => {
    const agent = researcherSpec({
      faults: [{ kind: "error", after_events: 2, detail: "provider exploded" }],
    });
    sim = await startSimulator({ agents: [agent] });
    const stream = await client(sim).agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      streaming: true,
    });
    const events: unknown[] = [];
    const error = await (async () => {
      for await (const event of stream) events.push(event);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).error).toMatchObject({
      message_type: "error_message",
      error_type: "llm_error",
      detail: "provider exploded",
    });
    expect(events.at(-1)).toEqual({ message_type: "stop_reason", stop_reason: "llm_api_error" });
  });

  it.each(["abort", "break"])("records the upstream stream closed by the client (%s)", async (how) => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    sim = await startSimulator({ agents: [agent] });
    const controller = new AbortController();
    const stream = await client(sim).agents.messages.create(
      agent.id,
      { messages: [{ role: "user", content: "hi" }], streaming: true },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if ((event as { message_type: string }).message_type !== "reasoning_message") continue;
      if (how === "break") break;
      controller.abort();
    }
    const current = sim;
    const record = await waitFor(
      () => current.record.streams(agent.id).find((s) => !s.open),
      "stream closed",
    );
    expect(record.closedByClient).toBe(true);
    expect(record.endedNormally).toBe(false);
    expect(sim.record.openStreams()).toBe(0);
  });
});
