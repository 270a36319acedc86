import type { FanoutError } from "../client/fanout-error.js";
import type { AgentMetrics } from "../protocol/events.js";
import type { AgentSnapshot, RunSnapshot } from "../protocol/run-snapshot.js";

/** The run's status as a view shows it: `idle` before any run, `starting` while it is requested. */
export type FanoutRunStatus = "idle" | "starting" | RunSnapshot["status"];

/** One agent of the run, as far as its events have come (the same folding as `GET /v1/runs/{id}`). */
export interface AgentView {
  label?: string;
  status: AgentSnapshot["status"];
  attempts: number;
  /** The assistant text so far. */
  text: string;
  /** The reasoning text so far. */
  reasoning: string;
  toolCalls: AgentSnapshot["tool_calls"];
  error?: { code: string; message: string };
  stopReason?: string;
  /** Set by `agent.completed`. */
  metrics: AgentMetrics | null;
}

/** What `useFanoutRun` renders from. A new object whenever something changed; unchanged agents keep theirs. */
export interface RunView {
  runId: string | undefined;
  /** The run this one follows up (`run.started.parent_run_id`), once its first event is in. */
  parentRunId: string | undefined;
  status: FanoutRunStatus;
  /** By agent id, in the order of `run.started`. */
  agents: Record<string, AgentView>;
  /** Events folded in so far. */
  eventCount: number;
  /** Why reading the run (or starting it) failed; the view keeps what it had. */
  error: FanoutError | undefined;
}

/** The view before any run. */
export const IDLE_VIEW: RunView = {
  runId: undefined,
  parentRunId: undefined,
  status: "idle",
  agents: {},
  eventCount: 0,
  error: undefined,
};

/** An agent's view from its snapshot (tool calls copied: the reducer grows them in place). */
export function agentView(agent: AgentSnapshot): AgentView {
  return {
    ...(agent.label === undefined ? {} : { label: agent.label }),
    status: agent.status,
    attempts: agent.attempts,
    text: agent.text,
    reasoning: agent.reasoning,
    toolCalls: agent.tool_calls.map((call) => ({ ...call })),
    ...(agent.error ? { error: agent.error } : {}),
    ...(agent.stop_reason === undefined ? {} : { stopReason: agent.stop_reason }),
    metrics: agent.metrics,
  };
}
