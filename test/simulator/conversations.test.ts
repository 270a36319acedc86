import { BadRequestError, ConflictError, NotFoundError } from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { RESEARCHER_HI, researcherSpec } from "../helpers/sim-fixtures.js";
import { simAgentId } from "../helpers/sim-agent-id.js";
import { simJson } from "../helpers/sim-http.js";
import { rawRequest } from "../helpers/sim-raw-sse.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import {
  collectEvents,
  rawConversationSend,
  runIdOf,
  simClient,
  userMessage,
} from "../helpers/sim-conversation.js";
import { waitFor } from "../helpers/wait-for.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(agents: SimAgentSpec[]): Promise<Simulator> {
  sim = await startSimulator({ agents });
  return sim;
}

const CONV_ID = /^conv-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const summary = (events: readonly unknown[]) =>
  reassemble(events).map(({ message_type, text, toolName, status }) => ({
    message_type,
    text,
    ...(toolName === undefined ? {} : { toolName }),
    ...(status === undefined ? {} : { status }),
  }));

describe("conversations: create, list, retrieve", () => {
  it("creates conv-<uuid4> conversations on an agent, lists them by agent and retrieves them", async () => {
    const agent = researcherSpec();
    const other = researcherSpec();
    const simulator = await start([agent, other]);
    const client = simClient(simulator);
    const first = await client.conversations.create({ agent_id: agent.id, summary: "first" });
    const second = await client.conversations.create({ agent_id: agent.id });
    await client.conversations.create({ agent_id: other.id });
    expect(first).toMatchObject({
      id: expect.stringMatching(CONV_ID) as unknown,
      agent_id: agent.id,
      summary: "first",
      in_context_message_ids: [],
      isolated_block_ids: [],
      model: null,
      model_settings: null,
      last_message_at: null,
      created_by_id: "user-00000000-0000-4000-8000-000000000000",
    });
    expect(second.id).not.toBe(first.id);
    // Newest first by default, like Letta's list.
    const listed = await client.conversations.list({ agent_id: agent.id });
    expect(listed.map((conversation) => conversation.id)).toEqual([second.id, first.id]);
    expect(await client.conversations.list({ agent_id: agent.id, order: "asc", limit: 1 })).toEqual([first]);
    expect(await client.conversations.list()).toHaveLength(3);
    const retrieved = await client.conversations.retrieve(first.id);
    // Retrieve lists the in-context messages: the system message compiled at creation.
    expect(retrieved).toEqual({
      ...first,
      in_context_message_ids: [expect.stringMatching(/^message-/) as unknown],
    });
    expect(simulator.conversations.list(agent.id).map((conversation) => conversation.id)).toEqual([
      first.id,
      second.id,
    ]);
    expect(simulator.record.requests(agent.id).map((request) => request.query)).toContain(
      `agent_id=${agent.id}`,
    );
  });

  it("answers Letta's 404s, 422s and 400 for unknown agents and conversations and bad input", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const unknownAgent = simAgentId();
    const created = client.conversations.create({ agent_id: unknownAgent });
    await expect(created).rejects.toBeInstanceOf(NotFoundError);
    await expect(created).rejects.toMatchObject({ status: 404, error: { detail: "Agent not found" } });

    const unknown = "conv-123e4567-e89b-42d3-8456-426614174000";
    const missing = await simJson(`${simulator.url}/v1/conversations/${unknown}`);
    expect(missing.status).toBe(404);
    const detail = (missing.body as { detail: string }).detail;
    // The ORM's NoResultFound text, naming the default actor.
    expect(detail).toMatch(
      new RegExp(
        String.raw`^Conversation not found with id='\['${unknown}'\]', access level in \['read'\] for ` +
          String.raw`actor='id='user-00000000-0000-4000-8000-000000000000' organization_id='org-00000000-` +
          String.raw`0000-4000-8000-000000000000' name='default_user' created_at=datetime\.datetime\(\d{4}, .*` +
          String.raw`tzinfo=datetime\.timezone\.utc\) is_deleted=False', is_deleted=False$`,
      ),
    );
    await expect(client.conversations.retrieve(unknown)).rejects.toMatchObject({
      status: 404,
      error: { detail },
    });

    const malformed = await simJson(`${simulator.url}/v1/conversations/conv-123`);
    expect(malformed).toMatchObject({
      status: 422,
      body: {
        trace_id: "",
        detail:
          "[{'type': 'string_too_short', 'loc': ('path', 'conversation_id'), 'msg': 'String should have at " +
          "least 41 characters', 'input': 'conv-123', 'ctx': {'min_length': 41}}]",
      },
    });
    const noAgent = await simJson(`${simulator.url}/v1/conversations/`, {});
    expect(noAgent.status).toBe(422);
    expect(noAgent.body).toEqual({
      trace_id: "",
      detail: "[{'type': 'missing', 'loc': ('query', 'agent_id'), 'msg': 'Field required', 'input': None}]",
    });
    const badModel = await simJson(`${simulator.url}/v1/conversations/?agent_id=${agent.id}`, {
      model: "gpt",
    });
    expect(badModel).toMatchObject({
      status: 400,
      body: { detail: "INVALID_ARGUMENT: The model handle should be in the format provider/model-name" },
    });
  });
});

describe("sending to a conversation", () => {
  it("streams the conversation's agent's answer (SSE by default) and records the run on the conversation", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const events = await collectEvents(
      await client.conversations.messages.create(conversation.id, {
        messages: [userMessage("hi", "otid-1")],
        stream_tokens: true,
      }),
    );
    expect(summary(events)).toEqual(RESEARCHER_HI);
    expect(events.at(-2)).toEqual({ message_type: "stop_reason", stop_reason: "end_turn" });
    const runId = String(events[0]?.["run_id"]);
    const run = await client.runs.retrieve(runId);
    expect(run).toMatchObject({ agent_id: agent.id, conversation_id: conversation.id, status: "completed" });
    const listed: string[] = [];
    for await (const item of client.runs.list({ conversation_id: conversation.id })) listed.push(item.id);
    expect(listed).toEqual([runId]);
    expect(simulator.record.runs(agent.id)).toEqual([
      {
        runId,
        agentId: agent.id,
        conversationId: conversation.id,
        endpoint: "conversation",
        background: false,
        otids: ["otid-1"],
        messages: [{ role: "user", text: "hi", otid: "otid-1" }],
        startedAt: expect.any(Number) as unknown,
        endedAt: expect.any(Number) as unknown,
        status: "completed",
      },
    ]);
    expect(simulator.record.conversationMessages(conversation.id)).toHaveLength(1);
    const retrieved = await client.conversations.retrieve(conversation.id);
    expect(retrieved.in_context_message_ids).toHaveLength(2);
    expect(retrieved.last_message_at).not.toBeNull();
  });

  it("sends to the agent's default conversation in agent-direct mode (default + agent_id)", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const events = await collectEvents(
      await client.conversations.messages.create("default", { agent_id: agent.id, input: "hi" }),
    );
    expect(summary(events)).toEqual(RESEARCHER_HI);
    const runId = String(events[0]?.["run_id"]);
    // The run has no conversation_id: it is the agent's own history (Letta passes None).
    expect(await client.runs.retrieve(runId)).toMatchObject({ agent_id: agent.id, conversation_id: null });
    expect(simulator.record.runs(agent.id)).toMatchObject([
      { runId, conversationId: "default", endpoint: "conversation", status: "completed" },
    ]);
    // The deprecated form, the agent id in place of the conversation id, is the same mode.
    await collectEvents(await client.conversations.messages.create(agent.id, { input: "again" }));
    expect(simulator.record.conversationMessages("default", agent.id).map((message) => message.text)).toEqual(
      ["hi", "again"],
    );
  });

  it("answers JSON for streaming: false and the background/resume shapes like the agent endpoint", async () => {
    const agent = researcherSpec();
    const simulator = await start([agent]);
    const conversation = await simClient(simulator).conversations.create({ agent_id: agent.id });
    const json = await simJson(`${simulator.url}/v1/conversations/${conversation.id}/messages`, {
      input: "hi",
      streaming: false,
    });
    expect(json.status).toBe(200);
    expect((json.body as { messages: unknown[] }).messages).toHaveLength(5);
    const background = await rawConversationSend(simulator, conversation.id, {
      input: "hi",
      background: true,
    });
    await background.finished;
    expect(background.dataEvents().map((event) => event["seq_id"])).toEqual([
      1,
      2,
      3,
      4,
      5,
      6,
      undefined,
      undefined,
    ]);
  });

  it("answers 404 for an unknown conversation and for an unknown agent in agent-direct mode", async () => {
    const simulator = await start([researcherSpec()]);
    const client = simClient(simulator);
    const unknownAgent = simAgentId();
    await expect(
      client.conversations.messages.create("default", { agent_id: unknownAgent, input: "hi" }),
    ).rejects.toMatchObject({ status: 404, error: { detail: `Agent with ID ${unknownAgent} not found` } });
    await expect(
      client.conversations.messages.create("conv-123e4567-e89b-42d3-8456-426614174000", { input: "hi" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    // "default" without agent_id is looked up as a conversation id.
    const withoutAgent = await simJson(`${simulator.url}/v1/conversations/default/messages`, { input: "hi" });
    expect(withoutAgent.status).toBe(404);
    expect((withoutAgent.body as { detail: string }).detail).toContain("id='['default']'");
  });
});

describe("resuming and cancelling a conversation's run", () => {
  it("resumes by run_id, by otid and as the most recent active background run, after starting_after", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 2 }] });
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const first = await rawConversationSend(simulator, conversation.id, {
      messages: [userMessage("hi", "otid-resume")],
      background: true,
    });
    await waitFor(() => first.dataEvents().length >= 3, "the ping and two messages");
    const runId = runIdOf(first);
    const byRun = await client.conversations.messages.stream(conversation.id, {
      run_id: runId,
      starting_after: 2,
    });
    const byOtid = await client.conversations.messages.stream(conversation.id, { otid: "otid-resume" });
    const latest = await client.conversations.messages.stream(conversation.id, { starting_after: 1 });
    expect(simulator.release(agent.id)).toBe(1);
    const [fromRun, fromOtid, fromLatest] = await Promise.all([
      collectEvents(byRun),
      collectEvents(byOtid),
      collectEvents(latest),
    ]);
    await first.finished;
    const seqs = (events: Record<string, unknown>[]) =>
      events.filter((event) => event["seq_id"] !== undefined).map((event) => event["seq_id"]);
    expect(seqs(fromRun)).toEqual([3, 4, 5, 6]);
    expect(seqs(fromOtid)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs(fromLatest)).toEqual([2, 3, 4, 5, 6]);
    expect(summary(fromOtid)).toEqual(RESEARCHER_HI);
    // Nothing active any more: Letta's 400; an otid no run has: 404 after Letta's three lookups.
    await expect(client.conversations.messages.stream(conversation.id)).rejects.toMatchObject({
      status: 400,
      error: { detail: "INVALID_ARGUMENT: No active runs found for this conversation." },
    });
    await expect(
      client.conversations.messages.stream(conversation.id, { otid: "nobody" }),
    ).rejects.toMatchObject({
      status: 404,
      error: { detail: "No run found for otid=nobody. The run may have expired or never existed." },
    });
    expect(simulator.record.streams(agent.id).map((stream) => stream.resumedFrom)).toEqual([null, 2, 0, 1]);
  });

  it("refuses to resume a foreground run as the active run (400)", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const first = await rawConversationSend(simulator, conversation.id, { input: "hi" });
    await waitFor(() => first.dataEvents().length >= 2, "a message");
    const resume = client.conversations.messages.stream(conversation.id);
    await expect(resume).rejects.toBeInstanceOf(BadRequestError);
    await expect(resume).rejects.toMatchObject({
      error: {
        detail: "INVALID_ARGUMENT: Run was not created in background mode, so it cannot be retrieved.",
      },
    });
    simulator.release(agent.id);
    await first.finished;
  });

  it("reads a foreground run found by run_id as Letta's empty Redis stream: keepalive pings only", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1 }] });
    sim = await startSimulator({ agents: [agent], pingIntervalMs: 20 });
    const simulator = sim;
    const conversation = await simClient(simulator).conversations.create({ agent_id: agent.id });
    const first = await rawConversationSend(simulator, conversation.id, { input: "hi" });
    await waitFor(() => first.dataEvents().length >= 2, "a message");
    const runId = runIdOf(first);
    const reader = await rawRequest(`${simulator.url}/v1/conversations/${conversation.id}/stream`, {
      body: { run_id: runId },
    });
    expect(reader.status).toBe(200);
    await waitFor(() => reader.dataEvents().length >= 2, "two keepalive pings");
    simulator.release(agent.id);
    await first.finished;
    const seen = reader.dataEvents().length;
    await waitFor(() => reader.dataEvents().length >= seen + 2, "more pings after the run ended");
    expect(new Set(reader.dataEvents().map((event) => event["message_type"]))).toEqual(new Set(["ping"]));
    expect(reader.dataEvents()[0]).toMatchObject({ run_id: runId, seq_id: null });
    reader.destroy();
  });

  it("cancels the conversation's active run, then answers 409 with Letta's body", async () => {
    const agent = researcherSpec({ faults: [{ kind: "hold", after_events: 1, times: "always" }] });
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const stream = await rawConversationSend(simulator, conversation.id, { input: "hi" });
    await waitFor(() => stream.dataEvents().length >= 2, "a message");
    const runId = runIdOf(stream);
    expect(await client.conversations.cancel(conversation.id)).toEqual({ [runId]: "cancelled" });
    await stream.finished;
    expect(stream.text()).toContain('data: {"message_type": "stop_reason", "stop_reason": "cancelled"}');
    expect(simulator.record.runs(agent.id)).toMatchObject([{ runId, status: "cancelled" }]);
    await expect(client.conversations.cancel(conversation.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(client.conversations.cancel(conversation.id)).rejects.toMatchObject({
      status: 409,
      error: { detail: `CONFLICT: No active runs to cancel for conversation ${conversation.id}` },
    });

    // Agent-direct mode: every active run of the agent.
    const direct = await rawConversationSend(simulator, "default", { agent_id: agent.id, input: "hi" });
    await waitFor(() => direct.dataEvents().length >= 2, "a message");
    expect(await client.conversations.cancel("default", { agent_id: agent.id })).toEqual({
      [runIdOf(direct)]: "cancelled",
    });
    await direct.finished;
    expect(simulator.record.cancels(agent.id).map((cancel) => cancel.status)).toEqual([200, 409, 409, 200]);
  });
});
