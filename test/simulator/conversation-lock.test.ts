import { APIConnectionTimeoutError, ConflictError } from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  startSimulator,
  type SimAgentSpec,
  type Simulator,
  type SimulatorOptions,
} from "../../src/simulator/index.js";
import { RESEARCHER_HI, researcherSpec } from "../helpers/sim-fixtures.js";
import { rawRequest } from "../helpers/sim-raw-sse.js";
import { reassemble } from "../helpers/sim-reassemble.js";
import {
  collectEvents,
  jsonOf,
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

async function start(agents: SimAgentSpec[], options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ ...options, agents });
  return sim;
}

/** An agent whose every run waits after two messages until `sim.release`. */
const heldAgent = () => researcherSpec({ faults: [{ kind: "hold", after_events: 2, times: "always" }] });

const busyBody = (runId: string) => ({
  detail:
    `CONFLICT: Cannot send a new message: Another request (run_id=${runId}) is currently being processed ` +
    "for this conversation. Please wait for it to complete.",
  run_id: runId,
});

const texts = (events: readonly unknown[]) => reassemble(events).map((message) => message.text);

describe("the per-conversation lock (Letta with Redis)", () => {
  it("answers 409 with Letta's exact body while a run holds the conversation, and serves the next send once it ended", async () => {
    const agent = heldAgent();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const first = await rawConversationSend(simulator, conversation.id, {
      messages: [userMessage("hi", "a")],
    });
    await waitFor(() => first.dataEvents().length >= 3, "two messages");
    const runId = runIdOf(first);

    const busy = await rawConversationSend(simulator, conversation.id, {
      messages: [userMessage("next", "b")],
    });
    await busy.finished;
    expect(busy.status).toBe(409);
    expect(busy.headers["content-type"]).toBe("application/json");
    expect(busy.text()).toBe(JSON.stringify(busyBody(runId)));
    const viaSdk = client.conversations.messages.create(conversation.id, { input: "next" });
    await expect(viaSdk).rejects.toBeInstanceOf(ConflictError);
    await expect(viaSdk).rejects.toMatchObject({ status: 409, error: busyBody(runId) });

    expect(simulator.release(agent.id)).toBe(1);
    await first.finished;
    const next = await client.conversations.messages.create(conversation.id, {
      messages: [userMessage("next", "b")],
    });
    await waitFor(() => simulator.record.runs(agent.id).length === 2, "the second run started");
    expect(simulator.record.runs(agent.id).map((run) => [run.otids, run.status])).toEqual([
      [["a"], "completed"],
      [["b"], "running"],
    ]);
    expect(simulator.release(agent.id)).toBe(1);
    expect(texts(await collectEvents(next)).at(-1)).toBe(
      "About next: streams are fun, according to the top hit.",
    );
    expect(simulator.record.overlaps(agent.id)).toEqual([]);
  });

  it("releases the lock when the run fails or is cancelled", async () => {
    const agent = researcherSpec({
      faults: [
        { kind: "error", after_events: 1, requests: [1] },
        { kind: "hold", after_events: 1, requests: [2] },
      ],
    });
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const failed = await rawConversationSend(simulator, conversation.id, { input: "one" });
    await failed.finished;
    expect(failed.text()).toContain("event: error");
    const held = await rawConversationSend(simulator, conversation.id, { input: "two" });
    await waitFor(() => held.dataEvents().length >= 2, "a message");
    await client.conversations.cancel(conversation.id);
    await held.finished;
    const last = await collectEvents(
      await client.conversations.messages.create(conversation.id, { input: "three" }),
    );
    expect(texts(last).at(-1)).toBe("About three: streams are fun, according to the top hit.");
    expect(simulator.record.runs(agent.id).map((run) => run.status)).toEqual([
      "failed",
      "cancelled",
      "completed",
    ]);
  });

  it("lets the lock expire after lockTtlMs when its run goes on (Letta: 5 min)", async () => {
    const agent = heldAgent();
    const simulator = await start([agent], { lockTtlMs: 50 });
    const conversation = await simClient(simulator).conversations.create({ agent_id: agent.id });
    const first = await rawConversationSend(simulator, conversation.id, { input: "one" });
    await waitFor(() => first.dataEvents().length >= 3, "two messages");
    expect((await rawConversationSend(simulator, conversation.id, { input: "two" })).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const second = await rawConversationSend(simulator, conversation.id, { input: "two" });
    expect(second.status).toBe(200);
    await waitFor(() => simulator.record.runs(agent.id).length === 2, "two runs");
    expect(simulator.record.overlaps(agent.id)).toHaveLength(1);
    expect(simulator.release(agent.id)).toBe(2);
    await Promise.all([first.finished, second.finished]);
  });

  it("locks the agent in agent-direct mode, while the plain agent endpoint takes no lock and its run overlaps", async () => {
    const agent = heldAgent();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const direct = await rawConversationSend(simulator, "default", { agent_id: agent.id, input: "direct" });
    await waitFor(() => direct.dataEvents().length >= 3, "two messages");
    const busy = await rawConversationSend(simulator, "default", { agent_id: agent.id, input: "again" });
    expect({ status: busy.status, body: await jsonOf(busy) }).toEqual({
      status: 409,
      body: busyBody(runIdOf(direct)),
    });
    // letta-wire §1.1: /v1/agents/{id}/messages never looks at the lock.
    const plain = await rawRequest(`${simulator.url}/v1/agents/${agent.id}/messages`, {
      body: { input: "plain", streaming: true },
    });
    await waitFor(() => plain.dataEvents().length >= 3, "two messages");
    // A conversation of the same agent has its own lock, and is another conversation.
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const other = await rawConversationSend(simulator, conversation.id, { input: "other" });
    await waitFor(() => other.dataEvents().length >= 3, "two messages");

    const [first, second] = simulator.record.runs(agent.id);
    expect(simulator.record.runs(agent.id).map((run) => [run.endpoint, run.conversationId])).toEqual([
      ["conversation", "default"],
      ["agent", "default"],
      ["conversation", conversation.id],
    ]);
    expect(simulator.record.overlaps(agent.id)).toEqual([[first, second]]);
    expect(simulator.release(agent.id)).toBe(3);
    await Promise.all([direct.finished, plain.finished, other.finished]);
    expect(simulator.record.overlaps(agent.id)).toHaveLength(1);
  });

  it("reports no overlap for runs of one conversation that follow each other, nor for parallel conversations", async () => {
    const agent = researcherSpec({ speed: { ttft_ms: 5 } });
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const [one, two] = await Promise.all([
      client.conversations.create({ agent_id: agent.id }),
      client.conversations.create({ agent_id: agent.id }),
    ]);
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        collectEvents(await client.conversations.messages.create(one.id, { input: `one ${String(round)}` })),
        collectEvents(await client.conversations.messages.create(two.id, { input: `two ${String(round)}` })),
        collectEvents(await client.agents.messages.create(agent.id, { input: "plain", streaming: true })),
      ]);
    }
    expect(simulator.record.runs(agent.id)).toHaveLength(9);
    expect(simulator.record.overlaps(agent.id)).toEqual([]);
    expect(simulator.record.overlaps()).toEqual([]);
    expect(simulator.record.conversationMessages(one.id).map((message) => message.text)).toEqual([
      "one 0",
      "one 1",
      "one 2",
    ]);
  });
});

describe("duplicate-request recovery by otid", () => {
  it("attaches a background resend with the same otids to the run, from its start, without a second run", async () => {
    const agent = heldAgent();
    const simulator = await start([agent]);
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const body = { messages: [userMessage("hi", "otid-dup")], background: true };
    const first = await rawConversationSend(simulator, conversation.id, body);
    await waitFor(() => first.dataEvents().length >= 3, "two messages");
    const resend = await rawConversationSend(simulator, conversation.id, body);
    expect(resend.status).toBe(200);
    await waitFor(() => resend.dataEvents().length >= 3, "the replay");
    expect(runIdOf(resend)).toBe(runIdOf(first));
    // A foreground resend is not recovered (Letta recovers background requests only): busy.
    const foreground = await rawConversationSend(simulator, conversation.id, { ...body, background: false });
    expect(await jsonOf(foreground)).toEqual(busyBody(runIdOf(first)));

    simulator.release(agent.id);
    await Promise.all([first.finished, resend.finished]);
    expect(resend.text()).toBe(first.text());
    expect(texts(resend.dataEvents())).toEqual(RESEARCHER_HI.map((message) => message.text));
    expect(simulator.record.runs(agent.id)).toHaveLength(1);
    expect(simulator.record.conversationMessages(conversation.id)).toEqual([
      { role: "user", text: "hi", otid: "otid-dup" },
    ]);
    // Even after the run ended, the same otids replay it (Letta keeps the mapping for 3 h).
    const late = await rawConversationSend(simulator, conversation.id, body);
    await late.finished;
    expect(late.text()).toBe(first.text());
    // Other otids, or the same ones in another order, are another request.
    const swapped = await rawConversationSend(simulator, conversation.id, {
      messages: [userMessage("a", "y"), userMessage("b", "x")],
      background: true,
    });
    const reordered = await rawConversationSend(simulator, conversation.id, {
      messages: [userMessage("a", "x"), userMessage("b", "y")],
      background: true,
    });
    expect(reordered.status).toBe(409);
    expect(await jsonOf(reordered)).toEqual(busyBody(runIdOf(swapped)));
    simulator.release(agent.id);
    await swapped.finished;
    expect(simulator.record.runs(agent.id).map((run) => run.otids)).toEqual([["otid-dup"], ["y", "x"]]);
  });

  it("slow_headers on a conversation send: the run starts while the headers are withheld, and the SDK's retry with the same otids attaches to it", async () => {
    const agent = researcherSpec({ speed: { ttft_ms: 50 } });
    const simulator = await start([agent]);
    const conversation = await simClient(simulator).conversations.create({ agent_id: agent.id });
    simulator.faults.inject(agent.id, { kind: "slow_headers", delay_ms: 60_000 });
    // One SDK call: its first attempt times out waiting for headers, its retry resends the body.
    const client = simClient(simulator, { timeout: 300, maxRetries: 1 });
    const events = await collectEvents(
      await client.conversations.messages.create(conversation.id, {
        messages: [userMessage("hi", "otid-slow")],
        background: true,
      }),
    );
    expect(texts(events)).toEqual(RESEARCHER_HI.map((message) => message.text));
    const requests = simulator.record.requests(agent.id).filter((request) => request.kind === "message");
    expect(requests.map((request) => request.headers["x-stainless-retry-count"])).toEqual(["0", "1"]);
    expect(simulator.record.runs(agent.id)).toMatchObject([{ otids: ["otid-slow"], status: "completed" }]);
    expect(simulator.record.conversationMessages(conversation.id)).toHaveLength(1);
    expect(String(events[0]?.["run_id"])).toBe(simulator.record.runs(agent.id)[0]?.runId);
  });

  it("slow_headers on a foreground conversation send: the run and its lock go on, a resend meanwhile is busy", async () => {
    // Two steps of 250 ms each: the run outlasts the client's 100 ms wait for headers.
    const agent = researcherSpec({ speed: { ttft_ms: 250 } });
    const simulator = await start([agent]);
    const conversation = await simClient(simulator).conversations.create({ agent_id: agent.id });
    simulator.faults.inject(agent.id, { kind: "slow_headers", delay_ms: 400 });
    const body = { messages: [userMessage("hi", "otid-fg")] };
    const timedOut = simClient(simulator, { timeout: 100 }).conversations.messages.create(
      conversation.id,
      body,
    );
    await expect(timedOut).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    const [run] = await waitFor(
      () => simulator.record.runs(agent.id).length === 1 && simulator.record.runs(agent.id),
      "the run started",
    );
    const resend = await rawConversationSend(simulator, conversation.id, body);
    expect(await jsonOf(resend)).toEqual(busyBody(run?.runId ?? ""));
    // The run finished on its own time, writing nowhere; the lock is free again.
    await waitFor(() => simulator.record.runs(agent.id)[0]?.status === "completed", "the run ended");
    expect(simulator.record.streams(agent.id)).toEqual([]);
    await waitFor(() => simulator.record.runs(agent.id)[0]?.endedAt !== null, "ended");

    // A client that waits long enough gets the whole answer once the headers come.
    simulator.faults.inject(agent.id, { kind: "slow_headers", delay_ms: 200 });
    const started = Date.now();
    const patient = await rawConversationSend(simulator, conversation.id, { input: "again" });
    await patient.finished;
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    const second = simulator.record.runs(agent.id)[1];
    expect(second?.startedAt).toBeLessThan(started + 100);
    expect(runIdOf(patient)).toBe(second?.runId);
    expect(patient.frames().at(-1)).toBe("data: [DONE]");
    expect(texts(patient.dataEvents()).at(-1)).toBe(
      "About again: streams are fun, according to the top hit.",
    );
  });
});

describe("a Letta without Redis (redis: false)", () => {
  it("takes no lock, so two sends to one conversation both run and overlaps() reports them", async () => {
    const agent = heldAgent();
    const simulator = await start([agent], { redis: false });
    const client = simClient(simulator);
    const conversation = await client.conversations.create({ agent_id: agent.id });
    const body = { messages: [userMessage("hi", "same")] };
    const first = await rawConversationSend(simulator, conversation.id, body);
    const second = await rawConversationSend(simulator, conversation.id, body);
    expect([first.status, second.status]).toEqual([200, 200]);
    await waitFor(() => simulator.record.runs(agent.id).length === 2, "two runs");
    const [one, two] = simulator.record.runs(agent.id);
    expect(simulator.record.overlaps(agent.id)).toEqual([[one, two]]);
    expect(simulator.record.conversationMessages(conversation.id)).toHaveLength(2);

    const background = await rawConversationSend(simulator, conversation.id, {
      input: "hi",
      background: true,
    });
    expect({ status: background.status, body: await jsonOf(background) }).toEqual({
      status: 503,
      body: {
        detail:
          "INTERNAL_SERVER_ERROR: Background streaming requires Redis to be running. Please ensure Redis is " +
          "properly configured. LETTA_REDIS_HOST: None, LETTA_REDIS_PORT: None",
      },
    });
    const resume = await rawRequest(`${simulator.url}/v1/conversations/${conversation.id}/stream`, {
      body: {},
    });
    expect({ status: resume.status, body: await jsonOf(resume) }).toEqual({
      status: 503,
      body: {
        detail:
          "Background streaming requires Redis to be running. Please ensure Redis is properly configured. " +
          "LETTA_REDIS_HOST: None, LETTA_REDIS_PORT: None",
      },
    });
    expect(simulator.release(agent.id)).toBe(2);
    await Promise.all([first.finished, second.finished]);
    expect(simulator.record.runs(agent.id).map((run) => run.status)).toEqual(["completed", "completed"]);
  });
});
