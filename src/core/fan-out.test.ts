import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scriptedSource, type ScriptedOpen } from "../../test/helpers/scripted-source.js";
import { resolveAgentOptions } from "../protocol/agent-options.js";
import type { EventDraft } from "../protocol/events.js";
import { resolveRunOptions, type RunOptionsInput } from "../protocol/run-options.js";
import { LocalConversationTurns } from "./conversation-turns.js";
import { fanOut } from "./fan-out.js";

// The merge of agents into a run, driven through the AgentSource seam under fake timers.

const agent = (n: number) => `agent-00000000-0000-4000-8000-00000000000${n}`;
const answer = (text: string): ScriptedOpen => ({
  steps: [{ ping: true, runId: `run-${text}` }, { text }, { stop: "end_turn" }, { usage: 1 }],
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function drive(scripts: Record<string, ScriptedOpen[]>, options: RunOptionsInput = {}) {
  const upstream = scriptedSource((request, n) => {
    const script = scripts[request.agentId]?.[n - 1];
    if (!script) throw new Error(`no script for ${request.agentId} #${n}`);
    return script;
  });
  const ids = Object.keys(scripts);
  const internal: string[] = [];
  const run = fanOut(
    {
      message: "hi",
      options: resolveRunOptions(options),
      effectiveOptions: {},
      agents: ids.map((agentId) => ({
        agentId,
        conversation: "default",
        options: resolveAgentOptions({ idle_timeout_ms: 1_000, retry: { max_attempts: 2 } }),
      })),
    },
    {
      runId: "fr-test",
      source: upstream.source,
      turns: new LocalConversationTurns(),
      random: () => 0,
      onInternalError: (agentId) => internal.push(agentId),
    },
  );
  const events: EventDraft[] = [];
  let completed = false;
  run.events.subscribe({ next: (event) => events.push(event), complete: () => (completed = true) });
  await vi.runAllTimersAsync();
  expect(completed).toBe(true);
  const statuses = Object.fromEntries(
    events.flatMap((event) => (event.type === "agent.completed" ? [[event.agent_id, event.status]] : [])),
  );
  return { events, statuses, last: events.at(-1), upstream, internal };
}

describe("fanOut", () => {
  it("finishes the others while one agent's headers never come, and ends that one as idle_timeout", async () => {
    const run = await drive({
      [agent(1)]: [answer("one")],
      [agent(2)]: [{ answer: "hangHeaders" }, { answer: "hangHeaders" }],
      [agent(3)]: [answer("three")],
    });
    expect(run.statuses).toEqual({ [agent(1)]: "completed", [agent(2)]: "failed", [agent(3)]: "completed" });
    expect(run.last).toMatchObject({ type: "run.completed", status: "partial" });
    const failed = run.events.find(
      (event) => event.type === "agent.completed" && event.agent_id === agent(2),
    );
    expect(failed).toMatchObject({ error: { code: "idle_timeout" }, metrics: { attempts: 2 } });
    expect(run.internal).toEqual([]);
  });

  it("cancels an agent still waiting for headers once complete_when.first is met", async () => {
    const run = await drive(
      { [agent(1)]: [answer("one")], [agent(2)]: [{ answer: "hangHeaders" }] },
      { complete_when: { first: 1 } },
    );
    expect(run.statuses).toEqual({ [agent(1)]: "completed", [agent(2)]: "cancelled" });
    expect(run.last).toMatchObject({ type: "run.completed", status: "completed" });
    expect(run.upstream.aborts).toBe(1);
    expect(run.upstream.requests).toHaveLength(2);
  });

  it("times the run out while an agent waits for headers, and tells Letta to cancel an accepted one", async () => {
    const run = await drive(
      {
        [agent(1)]: [{ answer: "hangHeaders" }],
        [agent(2)]: [{ steps: [{ ping: true, runId: "run-2" }, { text: "Half" }, { silence: 5_000 }] }],
      },
      { deadline_ms: 500 },
    );
    expect(run.statuses).toEqual({ [agent(1)]: "timed_out", [agent(2)]: "timed_out" });
    expect(run.last).toMatchObject({ type: "run.completed", status: "timed_out" });
    expect(run.upstream.cancels).toEqual([{ agentId: agent(2), lettaRunId: "run-2" }]);
  });
});

describe("fanOut: conversations (one writer per conversation, API.md §1)", () => {
  const plan = (conversation: string) => ({
    message: "hi",
    options: resolveRunOptions({}),
    effectiveOptions: {},
    agents: [{ agentId: agent(1), conversation, options: resolveAgentOptions({ idle_timeout_ms: 60_000 }) }],
  });
  const slow = (text: string): ScriptedOpen => ({
    steps: [{ ping: true, runId: `run-${text}` }, { silence: 500 }, { text }, { stop: "end_turn" }],
  });

  it("holds a second run on the same conversation until the first ends, and says why it waits", async () => {
    const upstream = scriptedSource((request) => slow(request.mode === "send" ? request.otid : "?"));
    const turns = new LocalConversationTurns();
    const deps = (runId: string) => ({ runId, source: upstream.source, turns, random: () => 0 });
    const first: EventDraft[] = [];
    const second: EventDraft[] = [];
    fanOut(plan("default"), deps("fr-1")).events.subscribe((event) => first.push(event));
    fanOut(plan("default"), deps("fr-2")).events.subscribe((event) => second.push(event));
    await vi.advanceTimersByTimeAsync(100);
    expect(upstream.requests).toHaveLength(1);
    expect(second.map((event) => event.type)).toEqual(["run.started", "agent.queued"]);
    expect(second[1]).toMatchObject({ position: 1, reason: "conversation_busy" });
    await vi.runAllTimersAsync();
    expect(upstream.requests).toHaveLength(2);
    expect(first.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(second.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    const waited = second.find((event) => event.type === "agent.completed");
    expect(waited).toMatchObject({ metrics: { queued_ms: 500 } });
  });

  it("lets runs in different conversations of one agent stream at once", async () => {
    const upstream = scriptedSource(() => slow("x"));
    const turns = new LocalConversationTurns();
    const deps = (runId: string) => ({ runId, source: upstream.source, turns, random: () => 0 });
    fanOut(plan("new"), deps("fr-1")).events.subscribe(() => undefined);
    fanOut(plan("new"), deps("fr-2")).events.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(100);
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.conversations.map((made) => made.agentId)).toEqual([agent(1), agent(1)]);
    const used = upstream.requests.map((request) => (request.mode === "send" ? request.conversationId : ""));
    expect(used).toEqual(upstream.conversations.map((made) => made.conversationId));
  });

  it("names each agent's conversation in run.started, a new one as created", async () => {
    const upstream = scriptedSource(() => answer("ok"));
    const events: EventDraft[] = [];
    const run = fanOut(
      { ...plan("new"), parentRunId: "fr-parent" },
      { runId: "fr-1", source: upstream.source, turns: new LocalConversationTurns() },
    );
    run.events.subscribe((event) => events.push(event));
    await vi.runAllTimersAsync();
    expect(events[0]).toEqual({
      type: "run.started",
      agents: [{ agent_id: agent(1), conversation_id: upstream.conversations[0]?.conversationId }],
      options: {},
      message: "hi",
      parent_run_id: "fr-parent",
    });
  });

  it("gives the turn to the next run when a waiting one is cancelled", async () => {
    const upstream = scriptedSource(() => slow("x"));
    const turns = new LocalConversationTurns();
    const deps = (runId: string) => ({ runId, source: upstream.source, turns, random: () => 0 });
    const runs = ["fr-1", "fr-2", "fr-3"].map((id) => fanOut(plan("default"), deps(id)));
    const ends: string[] = [];
    runs.forEach((run, i) =>
      run.events.subscribe((event) => {
        if (event.type === "run.completed") ends.push(`${i + 1}:${event.status}`);
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    runs[1]?.cancel();
    await vi.runAllTimersAsync();
    expect(ends).toEqual(["2:cancelled", "1:completed", "3:completed"]);
    expect(upstream.requests).toHaveLength(2);
  });
});
