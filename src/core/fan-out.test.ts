import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scriptedSource, type ScriptedOpen } from "../../test/helpers/scripted-source.js";
import { resolveAgentOptions } from "../protocol/agent-options.js";
import type { EventDraft } from "../protocol/events.js";
import { resolveRunOptions, type RunOptionsInput } from "../protocol/run-options.js";
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
        options: resolveAgentOptions({ idle_timeout_ms: 1_000, retry: { max_attempts: 2 } }),
      })),
    },
    { source: upstream.source, random: () => 0, onInternalError: (agentId) => internal.push(agentId) },
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
