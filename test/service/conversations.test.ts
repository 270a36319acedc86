import Letta from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import type { RunSnapshot } from "../../src/protocol/run-snapshot.js";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startHarness, type Harness } from "../helpers/fanout-harness.js";
import { userMessage } from "../helpers/sim-conversation.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";

// API.md §1 `conversation`, §2 follow-ups and §4 otids, end to end: the service, the official SDK
// and the simulator's conversations, with its per-conversation lock and duplicate recovery.

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const echo = (n: number, tokensPerSecond = 0, ttftMs = 0) =>
  scripted(n, "You said: {{message}}", { speed: { ttft_ms: ttftMs, tokens_per_second: tokensPerSecond } });
const AGENTS = [agentId(1), agentId(2)];
const PANEL = { panels: { pair: { agents: AGENTS.map((id) => ({ id })) } } };
const expected = (message: string) => Object.fromEntries(AGENTS.map((id) => [id, `You said: ${message}`]));

describe('conversation: "agent" (the default): one writer per conversation', () => {
  it("runs two asks of one panel one after the other per agent, both exact, the later one queued as conversation_busy", async () => {
    harness = await startHarness([echo(1, 200), echo(2, 200)], PANEL);
    const [first, second] = await Promise.all([
      harness.post(
        "/v1/panels/pair/runs",
        { message: "first question here" },
        { accept: "text/event-stream" },
      ),
      harness.post(
        "/v1/panels/pair/runs",
        { message: "second question here" },
        { accept: "text/event-stream" },
      ),
    ]);
    const [a, b] = await Promise.all([readEvents(first), readEvents(second)]);
    const texts = [reassemble(a), reassemble(b)];
    expect(texts).toContainEqual(expected("first question here"));
    expect(texts).toContainEqual(expected("second question here"));
    // Whichever run came second waited for every agent's conversation, and said so.
    const later = ofType(a, "agent.queued").length > 0 ? a : b;
    const queued = ofType(later, "agent.queued");
    expect(queued.map((event) => [event.agent_id, event.reason, event.position]).sort()).toEqual(
      AGENTS.map((id) => [id, "conversation_busy", 1]),
    );
    // queued_ms counts the wait: from the later run's start at least until the earlier run's agent
    // ended (its agent.completed; both stamps from the service's clock, in whole ms).
    const earlier = later === a ? b : a;
    expect(ofType(later, "run.started")[0]?.message).toMatch(/^(first|second) question here$/);
    const laterStart = ofType(later, "run.started")[0]?.ts ?? Infinity;
    for (const done of ofType(later, "agent.completed")) {
      const other = ofType(earlier, "agent.completed").find((event) => event.agent_id === done.agent_id);
      expect(done.metrics.queued_ms).toBeGreaterThanOrEqual((other?.ts ?? Infinity) - laterStart - 1);
    }
    expect(ofType(later, "run.started")[0]?.agents).toEqual(
      AGENTS.map((id) => ({ agent_id: id, conversation_id: "default" })),
    );
    // At "Letta": two runs per agent, in its default conversation, never at the same time.
    for (const id of AGENTS) {
      const runs = harness.sim.record.runs(id);
      expect(runs.map((run) => [run.conversationId, run.endpoint, run.status])).toEqual([
        ["default", "conversation", "completed"],
        ["default", "conversation", "completed"],
      ]);
    }
    expect(harness.sim.record.overlaps()).toEqual([]);
  });
});

describe('conversation: "new"', () => {
  it("gives each run fresh conversations, so two asks of one panel stream at once, both exact", async () => {
    // Slow enough to first text that the two runs cannot help overlapping if nothing holds one back.
    harness = await startHarness([echo(1, 200, 400), echo(2, 200, 400)], PANEL);
    const body = (message: string) => ({ message, options: { conversation: "new" } });
    const [first, second] = await Promise.all([
      harness.post("/v1/panels/pair/runs", body("first question here"), { accept: "text/event-stream" }),
      harness.post("/v1/panels/pair/runs", body("second question here"), { accept: "text/event-stream" }),
    ]);
    const [a, b] = await Promise.all([readEvents(first), readEvents(second)]);
    expect([reassemble(a), reassemble(b)]).toEqual([
      expected("first question here"),
      expected("second question here"),
    ]);
    expect(ofType([...a, ...b], "agent.queued")).toEqual([]);
    for (const id of AGENTS) {
      const runs = harness.sim.record.runs(id);
      expect(runs).toHaveLength(2);
      const [one, two] = runs;
      // Both runs of the agent were in progress at once, in two different conversations.
      expect(one && two && two.startedAt < (one.endedAt ?? Infinity)).toBe(true);
      expect(one?.conversationId).not.toBe(two?.conversationId);
    }
    // run.started names the conversations the simulator made, one message each.
    for (const events of [a, b]) {
      const started = ofType(events, "run.started")[0];
      const message = events === a ? "first question here" : "second question here";
      for (const { agent_id, conversation_id } of started?.agents ?? []) {
        expect(conversation_id).toMatch(/^conv-/);
        const messages = harness.sim.record.conversationMessages(String(conversation_id), agent_id);
        expect(messages.map((entry) => entry.text)).toEqual([message]);
      }
    }
  });
});

describe("follow-ups (POST /v1/runs/{id}/follow-ups)", () => {
  async function ask(message: string, conversation: "agent" | "new"): Promise<FanoutEvent[]> {
    if (!harness) throw new Error("start the harness first");
    const response = await harness.post(
      "/v1/panels/pair/runs",
      { message, options: { conversation } },
      { accept: "text/event-stream" },
    );
    return readEvents(response);
  }

  it("asks the same agents again in the same new conversations, names the parent, and is listed on it", async () => {
    harness = await startHarness([echo(1), echo(2)], PANEL);
    const parent = await ask("what is a panel", "new");
    const parentId = parent[0]?.run_id ?? "";
    const response = await harness.post(
      `/v1/runs/${parentId}/follow-ups`,
      { message: "now compare your answers" },
      { accept: "text/event-stream" },
    );
    expect(response.status).toBe(200);
    const child = await readEvents(response);
    expect(reassemble(child)).toEqual(expected("now compare your answers"));
    const [parentStarted, childStarted] = [ofType(parent, "run.started")[0], ofType(child, "run.started")[0]];
    expect(childStarted?.parent_run_id).toBe(parentId);
    expect(childStarted?.panel).toBe("pair");
    expect(childStarted?.agents).toEqual(parentStarted?.agents);
    for (const { agent_id, conversation_id } of childStarted?.agents ?? []) {
      const messages = harness.sim.record.conversationMessages(String(conversation_id), agent_id);
      expect(messages.map((entry) => entry.text)).toEqual(["what is a panel", "now compare your answers"]);
    }
    const snapshot = (await (await fetch(`${harness.url}/v1/runs/${parentId}`)).json()) as RunSnapshot;
    expect(snapshot.follow_ups).toEqual([child[0]?.run_id]);
    const childSnapshot = (await (
      await fetch(`${harness.url}/v1/runs/${child[0]?.run_id}`)
    ).json()) as RunSnapshot;
    expect(childSnapshot.parent_run_id).toBe(parentId);
    // Each turn says what it asked (a thread view shows the questions).
    expect([snapshot.message, childSnapshot.message]).toEqual([
      "what is a panel",
      "now compare your answers",
    ]);
  });

  it("follows up in the agents' own conversations, with the 202 form too", async () => {
    harness = await startHarness([echo(1), echo(2)], PANEL);
    const parent = await ask("first", "agent");
    const accepted = await harness.post(`/v1/runs/${parent[0]?.run_id}/follow-ups`, { message: "second" });
    expect(accepted.status).toBe(202);
    const { run_id: childId } = (await accepted.json()) as { run_id: string };
    const child = await readEvents(await fetch(`${harness.url}/v1/runs/${childId}/events`));
    expect(reassemble(child)).toEqual(expected("second"));
    for (const id of AGENTS) {
      expect(harness.sim.record.conversationMessages("default", id).map((entry) => entry.text)).toEqual([
        "first",
        "second",
      ]);
    }
  });

  it("answers 404 for an unknown run and 422 for a bad body, naming the field", async () => {
    harness = await startHarness([echo(1)]);
    const missing = await harness.post("/v1/runs/fr-nope/follow-ups", { message: "hi" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const parent = await readEvents(await harness.stream({ message: "hi", agent_ids: [agentId(1)] }));
    const bad = await harness.post(`/v1/runs/${parent[0]?.run_id}/follow-ups`, {
      message: "",
      agent_ids: [],
    });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { error: { details: { path: string }[] } };
    expect(body.error.details.map((detail) => detail.path).sort()).toEqual(["agent_ids", "message"]);
  });
});

describe("sends that are safe to retry (otid, API.md §4)", () => {
  it("resends a message whose headers never came with the same otid: Letta attaches it to the run it started", async () => {
    harness = await startHarness([echo(1, 100)], {
      defaults: {
        agent_defaults: { idle_timeout_ms: 400, retry: { initial_delay_ms: 10, max_delay_ms: 10 } },
      },
    });
    harness.sim.faults.inject(agentId(1), { kind: "slow_headers", delay_ms: 5_000 });
    const events = await readEvents(
      await harness.stream({ message: "only once please", agent_ids: [agentId(1)] }),
    );
    expect(ofType(events, "agent.retry").map((event) => [event.reason, event.mode])).toEqual([
      ["idle_timeout", "resend"],
    ]);
    expect(reassemble(events)).toEqual({ [agentId(1)]: "You said: only once please" });
    const sends = harness.sim.record.requests(agentId(1)).filter((request) => request.kind === "message");
    expect(sends).toHaveLength(2);
    const otids = sends.map((send) => (send.body as { messages: { otid: string }[] }).messages[0]?.otid);
    expect(otids[0]).toBe(otids[1]);
    // One run at "Letta", one message in the conversation.
    expect(harness.sim.record.runs(agentId(1))).toHaveLength(1);
    expect(harness.sim.record.conversationMessages("default", agentId(1))).toHaveLength(1);
  });

  it("waits out a conversation busy with someone else's request (409), then answers", async () => {
    harness = await startHarness([echo(1, 100)], {
      defaults: { agent_defaults: { retry: { initial_delay_ms: 50, max_delay_ms: 100 } } },
    });
    // Someone outside the service talks to the agent's default conversation first.
    const client = new Letta({ baseURL: harness.sim.url, apiKey: API_KEY, maxRetries: 0 });
    const outside = await client.conversations.messages.create("default", {
      agent_id: agentId(1),
      messages: [userMessage("an outside question, rather long", "outside-otid-1")],
      streaming: true,
      background: true,
    });
    const events = await readEvents(await harness.stream({ message: "mine", agent_ids: [agentId(1)] }));
    for await (const _ of outside) {
      // drain
    }
    const retries = ofType(events, "agent.retry");
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((event) => event.reason === "conversation_busy" && event.mode === "resend")).toBe(
      true,
    );
    expect(ofType(events, "agent.completed")[0]).toMatchObject({ status: "completed" });
    expect(reassemble(events)).toEqual({ [agentId(1)]: "You said: mine" });
    expect(harness.sim.record.overlaps()).toEqual([]);
    expect(harness.sim.record.conversationMessages("default", agentId(1)).map((m) => m.text)).toEqual([
      "an outside question, rather long",
      "mine",
    ]);
  });
});

describe("conversation options are validated", () => {
  it("refuses a conv id for the whole run and a malformed one per agent, naming each path", async () => {
    harness = await startHarness([echo(1)]);
    const response = await harness.post("/v1/runs", {
      message: "hi",
      agent_ids: [agentId(1)],
      options: { conversation: "conv-123e4567-e89b-42d3-8456-426614174000" },
      agents: { [agentId(1)]: { conversation: "conv-nope" } },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details.map((detail) => detail.path).sort()).toEqual([
      `agents.${agentId(1)}.conversation`,
      "options.conversation",
    ]);
    expect(body.error.details.find((d) => d.path === "options.conversation")?.message).toContain(
      "agents.<agent_id>.conversation",
    );
  });
});
