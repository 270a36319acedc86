import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { LettaSchemas, lettaSpecPath } from "../helpers/sim-openapi.js";
import { rawRequest, type RawResponse } from "../helpers/sim-raw-sse.js";
import { researcherSpec } from "../helpers/sim-fixtures.js";
import { simAgentId } from "../helpers/sim-agent-id.js";
import { waitFor } from "../helpers/wait-for.js";

const specPath = lettaSpecPath();
if (specPath === undefined) {
  console.warn(
    "Skipping the Letta OpenAPI conformance tests: no spec found. Set LETTA_OPENAPI_SPEC or put " +
      "letta-openapi.json in ../shared/ beside the repository.",
  );
}

// The spec member of LettaStreamingResponse for each message_type (its discriminator mapping).
const MEMBER: Record<string, string> = {
  ping: "LettaPing",
  reasoning_message: "ReasoningMessage",
  assistant_message: "AssistantMessage",
  tool_call_message: "ToolCallMessage",
  tool_return_message: "ToolReturnMessage",
  stop_reason: "LettaStopReason",
  usage_statistics: "LettaUsageStatistics",
  error_message: "LettaErrorMessage",
};

describe.skipIf(specPath === undefined)("conformance with Letta's OpenAPI spec", () => {
  let schemas: LettaSchemas;
  let sim: Simulator;
  const researcher = researcherSpec({ tags: ["demo"] });
  const failing = researcherSpec({ faults: [{ kind: "error", after_events: 2, from: 1, times: "always" }] });
  const held = researcherSpec({ faults: [{ kind: "hold", after_events: 2, from: 1, times: "always" }] });

  beforeAll(async () => {
    schemas = new LettaSchemas(specPath ?? "");
    sim = await startSimulator({ agents: [researcher, failing, held], pingIntervalMs: 10 });
  });
  afterAll(async () => {
    await sim.close();
  });

  /** Every frame of a stream, validated: data events by member and against the union. */
  function streamErrors(response: RawResponse): string[] {
    const errors: string[] = [];
    for (const frame of response.frames()) {
      if (frame === "data: [DONE]") continue;
      if (frame.startsWith("event: cancelled\n")) continue; // Not in the spec; the SDK drops it.
      const isError = frame.startsWith("event: error\n");
      const event = JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as { message_type: string };
      const member = MEMBER[event.message_type];
      if (member === undefined) errors.push(`unexpected message_type ${event.message_type}`);
      else errors.push(...schemas.errors(member, event));
      if (isError) expect(event.message_type).toBe("error_message");
      else errors.push(...schemas.errors("LettaStreamingResponse", event));
    }
    return errors;
  }

  function send(agentId: string, body: Record<string, unknown>): Promise<RawResponse> {
    return rawRequest(`${sim.url}/v1/agents/${agentId}/messages`, {
      body: { messages: [{ role: "user", content: "hi" }], ...body },
    });
  }

  it.each([
    ["token streaming", { streaming: true, stream_tokens: true }],
    ["step streaming", { streaming: true }],
    ["background token streaming", { streaming: true, stream_tokens: true, background: true }],
  ])("sends only valid events when %s with a tool", async (_name, body) => {
    const response = await send(researcher.id, body);
    await response.finished;
    expect(response.frames().length).toBeGreaterThan(6);
    expect(streamErrors(response)).toEqual([]);
  });

  it("sends only valid events on a mid-stream error in a background run", async () => {
    const response = await send(failing.id, { streaming: true, stream_tokens: true, background: true });
    await response.finished;
    expect(response.frames().some((frame) => frame.startsWith("event: error\n"))).toBe(true);
    expect(streamErrors(response)).toEqual([]);
  });

  it("follows the real server, not its spec, for a foreground error_message: seq_id is null (letta-wire §2.5)", async () => {
    const response = await send(failing.id, { streaming: true, stream_tokens: true });
    await response.finished;
    const errorFrame = response.frames().find((frame) => frame.startsWith("event: error\n")) ?? "";
    expect(errorFrame).toContain('"seq_id":null}');
    // The spec types LettaErrorMessage.seq_id as a plain integer: the only error is that deviation.
    expect(streamErrors(response)).toEqual(['LettaErrorMessage/seq_id must be integer {"type":"integer"}']);
  });

  it("sends only valid events on a resumed background run and a cancelled one", async () => {
    const response = await send(held.id, { streaming: true, background: true });
    await waitFor(() => response.frames().length >= 4, "two messages and a keepalive ping");
    const runId = String(response.dataEvents()[0]?.["run_id"]);
    const resumed = await rawRequest(`${sim.url}/v1/runs/${runId}/stream`, { body: { starting_after: 1 } });
    await waitFor(() => resumed.frames().length >= 2, "the replay");
    const cancel = await rawRequest(`${sim.url}/v1/agents/${held.id}/messages/cancel`, { body: {} });
    expect(cancel.status).toBe(200);
    await Promise.all([response.finished, resumed.finished]);
    expect(response.text()).toContain('"stop_reason": "cancelled"');
    expect(streamErrors(response)).toEqual([]);
    expect(streamErrors(resumed)).toEqual([]);
  });

  async function json(path: string, body?: unknown): Promise<{ status: number; value: unknown }> {
    const response = await fetch(`${sim.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: response.status, value: await response.json() };
  }

  it("answers with a valid AgentState, list of AgentState, Run, LettaResponse and Health", async () => {
    const agents = await json("/v1/agents/?tags=demo&include=agent.tags");
    expect(agents.value).toHaveLength(1);
    expect(schemas.errors("AgentState", (agents.value as unknown[])[0])).toEqual([]);
    expect(schemas.errors("AgentState", (await json(`/v1/agents/${researcher.id}`)).value)).toEqual([]);
    const reply = await json(`/v1/agents/${researcher.id}/messages`, { input: "hi" });
    expect(reply.status).toBe(200);
    expect(schemas.errors("LettaResponse", reply.value)).toEqual([]);
    const runs = await json(`/v1/runs/?agent_id=${researcher.id}`);
    expect((runs.value as unknown[]).length).toBeGreaterThan(0);
    for (const run of runs.value as unknown[]) expect(schemas.errors("Run", run)).toEqual([]);
    const health = await json("/v1/health/");
    expect(health.value).toEqual({ version: "0.16.8", status: "ok" });
    expect(schemas.errors("Health", health.value)).toEqual([]);
  });

  it("follows the real server, not its spec, for 422 bodies: detail is a string (letta-wire §2.7)", async () => {
    const malformed = await json("/v1/agents/agent-123");
    expect(malformed.status).toBe(422);
    expect(malformed.value).toEqual({
      trace_id: "",
      detail:
        "[{'type': 'string_pattern_mismatch', 'loc': ('path', 'agent_id'), 'msg': \"String should match pattern " +
        "'agent-{uuid4}'\", 'input': 'agent-123', 'ctx': {'pattern': 'agent-{uuid4}'}}]",
      examples: ["agent-123e4567-e89b-42d3-8456-426614174000"],
    });
    // The spec's HTTPValidationError says detail is an array of ValidationError: a known deviation.
    expect(schemas.errors("HTTPValidationError", malformed.value)).not.toEqual([]);
    const neither = await json(`/v1/agents/${researcher.id}/messages`, { streaming: true });
    expect(neither.status).toBe(422);
    expect((neither.value as { detail: string }).detail).toContain(
      "Must specify either 'input' or 'messages'.",
    );
  });

  describe("conversations", () => {
    // Every send gets its own otid, so none is taken for a resend of another.
    let sends = 0;
    function conversationSend(conversationId: string, body: Record<string, unknown>): Promise<RawResponse> {
      const otid = `otid-${String(++sends)}`;
      return rawRequest(`${sim.url}/v1/conversations/${conversationId}/messages`, {
        body: { messages: [{ role: "user", content: "hi", otid }], ...body },
      });
    }

    it("answers with a valid Conversation on create, list and retrieve, and a valid Run with its conversation_id", async () => {
      const created = await json(`/v1/conversations/?agent_id=${researcher.id}`, { summary: "s" });
      expect(created.status).toBe(200);
      expect(schemas.errors("Conversation", created.value)).toEqual([]);
      const id = (created.value as { id: string }).id;
      const response = await conversationSend(id, {});
      await response.finished;
      const listed = await json(`/v1/conversations/?agent_id=${researcher.id}`);
      expect(schemas.responseErrors("/v1/conversations/", "get", listed.value)).toEqual([]);
      expect(listed.value).toHaveLength(1);
      const retrieved = await json(`/v1/conversations/${id}`);
      expect(schemas.errors("Conversation", retrieved.value)).toEqual([]);
      expect((retrieved.value as { last_message_at: unknown }).last_message_at).not.toBeNull();
      const runs = await json(`/v1/runs/?conversation_id=${id}`);
      expect(runs.value).toHaveLength(1);
      for (const run of runs.value as unknown[]) expect(schemas.errors("Run", run)).toEqual([]);
    });

    it.each([
      ["conversation mode, token streaming", "conversation", { stream_tokens: true }],
      ["conversation mode, background", "conversation", { background: true }],
      ["agent-direct mode, step streaming", "default", {}],
    ])("sends only valid events in %s", async (_name, mode, body) => {
      let conversationId = "default";
      if (mode === "conversation") {
        const created = await json(`/v1/conversations/?agent_id=${researcher.id}`, {});
        conversationId = (created.value as { id: string }).id;
      }
      const response = await conversationSend(conversationId, { agent_id: researcher.id, ...body });
      await response.finished;
      expect(response.frames().length).toBeGreaterThan(6);
      expect(streamErrors(response)).toEqual([]);
    });

    it("sends only valid events when resuming a conversation's run and a valid cancel response", async () => {
      const created = await json(`/v1/conversations/?agent_id=${held.id}`, {});
      const id = (created.value as { id: string }).id;
      const response = await conversationSend(id, { background: true });
      await waitFor(() => response.frames().length >= 3, "two messages");
      const resumed = await rawRequest(`${sim.url}/v1/conversations/${id}/stream`, {
        body: { starting_after: 1 },
      });
      await waitFor(() => resumed.frames().length >= 2, "the replay");
      const cancel = await json(`/v1/conversations/${id}/cancel`, {});
      expect(cancel.status).toBe(200);
      expect(
        schemas.responseErrors("/v1/conversations/{conversation_id}/cancel", "post", cancel.value),
      ).toEqual([]);
      await Promise.all([response.finished, resumed.finished]);
      expect(streamErrors(response)).toEqual([]);
      expect(streamErrors(resumed)).toEqual([]);
    });

    it("sends {detail, run_id} for a busy conversation and {detail} for 404s, which the spec leaves undescribed", async () => {
      const created = await json(`/v1/conversations/?agent_id=${held.id}`, {});
      const id = (created.value as { id: string }).id;
      const first = await conversationSend(id, {});
      await waitFor(() => first.frames().length >= 3, "two messages");
      const runId = String(first.dataEvents()[0]?.["run_id"]);
      const busy = await json(`/v1/conversations/${id}/messages`, { input: "again" });
      expect(busy).toEqual({
        status: 409,
        value: {
          detail:
            `CONFLICT: Cannot send a new message: Another request (run_id=${runId}) is currently being ` +
            "processed for this conversation. Please wait for it to complete.",
          run_id: runId,
        },
      });
      expect(await json(`/v1/conversations/${id}/cancel`, {})).toMatchObject({ status: 200 });
      await first.finished;
      expect(await json(`/v1/conversations/?agent_id=${simAgentId()}`, {})).toEqual({
        status: 404,
        value: { detail: "Agent not found" },
      });
    });
  });

  it("sends {detail: string} for 404 and 409, which the spec leaves undescribed", async () => {
    const unknown = simAgentId();
    expect(await json(`/v1/agents/${unknown}`)).toEqual({
      status: 404,
      value: { detail: `Agent with ID ${unknown} not found` },
    });
    expect(await json(`/v1/agents/${unknown}/messages/cancel`, {})).toEqual({
      status: 409,
      value: { detail: `CONFLICT: No active runs to cancel for agent ${unknown}` },
    });
  });
});
