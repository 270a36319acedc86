import type { AgentMetrics, EventDraft, FanoutEvent, RunMetrics } from "./events.js";

/** One agent in `GET /v1/runs/{id}` (API.md §3), built from the run's events. */
export interface AgentSnapshot {
  label?: string;
  /** While it waits (`queued`): for what, as its `agent.queued` said. */
  queued_reason?: "concurrency" | "conversation_busy";
  /** The Letta conversation it answers in (`default` or `conv-…`). */
  conversation_id?: string;
  status: "pending" | "queued" | "running" | "retrying" | "completed" | "failed" | "cancelled" | "timed_out";
  attempts: number;
  text: string;
  reasoning: string;
  tool_calls: { tool_call_id: string; name?: string; arguments: string; status?: string; result?: string }[];
  error?: { code: string; message: string };
  stop_reason?: string;
  metrics: AgentMetrics | null;
}

/** `GET /v1/runs/{id}`. */
export interface RunSnapshot {
  run_id: string;
  status: "running" | "completed" | "partial" | "failed" | "cancelled" | "timed_out";
  created_at: string;
  completed_at?: string;
  options: Record<string, unknown>;
  /** The message the agents were sent. */
  message?: string | { type: "text"; text: string }[];
  /** The panel the run was asked of, if any. */
  panel?: string;
  /** Set on a follow-up: the run it follows. */
  parent_run_id?: string;
  /** The follow-ups of this run, oldest first (the store adds them; not folded from events). */
  follow_ups?: string[];
  agents: Record<string, AgentSnapshot>;
  metrics: RunMetrics | null;
  /** The last event folded in: a reader can resume from here without a gap. */
  last_seq: number;
}

/** An empty snapshot for a run that has not logged `run.started` yet. */
export function emptySnapshot(runId: string, createdAt: number): RunSnapshot {
  return {
    run_id: runId,
    status: "running",
    created_at: new Date(createdAt).toISOString(),
    options: {},
    agents: {},
    metrics: null,
    last_seq: 0,
  };
}

/**
 * Folds one event into a snapshot, in place. Shared by the service (snapshots), the client and
 * the dashboard (live views), so all three agree on what the text so far is.
 */
export function applyEvent(snapshot: RunSnapshot, event: FanoutEvent): RunSnapshot {
  return foldEvent(snapshot, event, event.seq, event.ts);
}

/** `applyEvent` for an event not stamped yet: the store folds drafts with their seq and ts. */
export function foldEvent(snapshot: RunSnapshot, event: EventDraft, seq: number, ts: number): RunSnapshot {
  snapshot.last_seq = seq;
  if (event.type === "run.started") {
    snapshot.options = event.options;
    if (event.message !== undefined) snapshot.message = event.message;
    if (event.panel !== undefined) snapshot.panel = event.panel;
    if (event.parent_run_id !== undefined) snapshot.parent_run_id = event.parent_run_id;
    for (const { agent_id, label, conversation_id } of event.agents) {
      snapshot.agents[agent_id] = {
        ...(label === undefined ? {} : { label }),
        ...(conversation_id === undefined ? {} : { conversation_id }),
        status: "pending",
        attempts: 0,
        text: "",
        reasoning: "",
        tool_calls: [],
        metrics: null,
      };
    }
    return snapshot;
  }
  if (event.type === "run.completed") {
    snapshot.status = event.status;
    snapshot.completed_at = new Date(ts).toISOString();
    snapshot.metrics = event.metrics;
    return snapshot;
  }
  const agent = snapshot.agents[event.agent_id];
  if (!agent) return snapshot;
  switch (event.type) {
    case "agent.queued":
      agent.status = "queued";
      if (event.reason !== undefined) agent.queued_reason = event.reason;
      break;
    case "agent.started":
      agent.status = "running";
      delete agent.queued_reason;
      agent.attempts = event.attempt;
      break;
    case "agent.retry":
      agent.status = "retrying";
      break;
    case "agent.delta":
      if (event.kind === "assistant") agent.text += event.text;
      else agent.reasoning += event.text;
      break;
    case "agent.tool_call": {
      let call = agent.tool_calls.find((entry) => entry.tool_call_id === event.tool_call_id);
      if (!call) {
        call = { tool_call_id: event.tool_call_id, arguments: "" };
        agent.tool_calls.push(call);
      }
      if (event.name !== undefined) call.name = event.name;
      call.arguments += event.arguments_delta;
      break;
    }
    case "agent.tool_result": {
      const call = agent.tool_calls.find((entry) => entry.tool_call_id === event.tool_call_id);
      if (call) {
        call.status = event.status;
        call.result = event.result;
      }
      break;
    }
    case "agent.completed":
      agent.status = event.status;
      agent.metrics = event.metrics;
      if (event.error) agent.error = event.error;
      if (event.stop_reason !== undefined) agent.stop_reason = event.stop_reason;
      break;
    case "agent.usage":
    case "agent.letta":
      break;
  }
  return snapshot;
}
