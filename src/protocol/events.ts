import { z } from "zod";

/** Agent statuses in `agent.completed` and snapshots. */
export const AgentEndStatus = z.enum(["completed", "failed", "cancelled", "timed_out"]);
export type AgentEndStatus = z.infer<typeof AgentEndStatus>;

/** Run statuses in `run.completed` (API.md §3 "Run status"). */
export const RunEndStatus = z.enum(["completed", "partial", "failed", "cancelled", "timed_out"]);
export type RunEndStatus = z.infer<typeof RunEndStatus>;

/** Stable error codes of agent failures (API.md §3). */
export const AGENT_ERROR_CODES = [
  "agent_not_found",
  "upstream_unavailable",
  "upstream_rate_limited",
  "upstream_error",
  "upstream_disconnected",
  "idle_timeout",
  "deadline_exceeded",
  "backpressure_overflow",
  "cancelled",
  "internal",
  /** Only an `agent.retry` reason: Letta's conversation was busy (HTTP 409), waited out. */
  "conversation_busy",
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

export const AgentMetrics = z.object({
  queued_ms: z.number(),
  ttft_ms: z.number().nullable(),
  duration_ms: z.number(),
  attempts: z.int(),
  events: z.int(),
  chars: z.int(),
  completion_tokens: z.int(),
  tokens_per_second: z.number().nullable(),
});
export type AgentMetrics = z.infer<typeof AgentMetrics>;

export const RunMetrics = z.object({
  duration_ms: z.number(),
  ttft_ms: z.number().nullable(),
  agents_completed: z.int(),
  agents_failed: z.int(),
  events: z.int(),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

const base = { run_id: z.string(), seq: z.int().min(1), ts: z.int() };
const agentBase = { ...base, agent_id: z.string() };

export const RunStartedEvent = z.object({
  type: z.literal("run.started"),
  ...base,
  agents: z.array(
    z.object({
      agent_id: z.string(),
      label: z.string().optional(),
      /** The Letta conversation the agent answers in: `default` (the agent's own) or `conv-…`. */
      conversation_id: z.string().optional(),
    }),
  ),
  options: z.record(z.string(), z.unknown()),
  /** The message the agents were sent (as the request gave it: text, or Letta text parts). */
  message: z.union([z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }))]).optional(),
  /** The panel the run was asked of, if any. */
  panel: z.string().optional(),
  /** Set on a follow-up (`POST /v1/runs/{id}/follow-ups`): the run it follows. */
  parent_run_id: z.string().optional(),
});
export const AgentQueuedEvent = z.object({
  type: z.literal("agent.queued"),
  ...agentBase,
  position: z.int(),
  /** What it waits for: a concurrency slot of the run, or its conversation (another run has it). */
  reason: z.enum(["concurrency", "conversation_busy"]).optional(),
});
export const AgentStartedEvent = z.object({
  type: z.literal("agent.started"),
  ...agentBase,
  attempt: z.int(),
  letta_run_id: z.string().optional(),
});
export const AgentDeltaEvent = z.object({
  type: z.literal("agent.delta"),
  ...agentBase,
  message_id: z.string(),
  kind: z.enum(["assistant", "reasoning"]),
  text: z.string(),
});
export const AgentToolCallEvent = z.object({
  type: z.literal("agent.tool_call"),
  ...agentBase,
  message_id: z.string(),
  tool_call_id: z.string(),
  name: z.string().optional(),
  arguments_delta: z.string(),
});
export const AgentToolResultEvent = z.object({
  type: z.literal("agent.tool_result"),
  ...agentBase,
  tool_call_id: z.string(),
  status: z.string(),
  result: z.string(),
});
export const AgentUsageEvent = z.object({
  type: z.literal("agent.usage"),
  ...agentBase,
  completion_tokens: z.int(),
  prompt_tokens: z.int(),
  total_tokens: z.int(),
  step_count: z.int(),
});
export const AgentLettaEvent = z.object({
  type: z.literal("agent.letta"),
  ...agentBase,
  message: z.unknown(),
});
export const AgentRetryEvent = z.object({
  type: z.literal("agent.retry"),
  ...agentBase,
  attempt: z.int(),
  delay_ms: z.number(),
  reason: z.string(),
  mode: z.enum(["resend", "resume"]),
  resume_after: z.int().optional(),
});
export const AgentCompletedEvent = z.object({
  type: z.literal("agent.completed"),
  ...agentBase,
  status: AgentEndStatus,
  stop_reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  metrics: AgentMetrics,
});
export const RunCompletedEvent = z.object({
  type: z.literal("run.completed"),
  ...base,
  status: RunEndStatus,
  agents: z.record(z.string(), AgentEndStatus),
  metrics: RunMetrics,
});

/** Every event of the run log (API.md §3), discriminated by `type`. */
export const FanoutEvent = z.discriminatedUnion("type", [
  RunStartedEvent,
  AgentQueuedEvent,
  AgentStartedEvent,
  AgentDeltaEvent,
  AgentToolCallEvent,
  AgentToolResultEvent,
  AgentUsageEvent,
  AgentLettaEvent,
  AgentRetryEvent,
  AgentCompletedEvent,
  RunCompletedEvent,
]);
export type FanoutEvent = z.infer<typeof FanoutEvent>;
export type FanoutEventType = FanoutEvent["type"];
export type AgentEvent = Exclude<FanoutEvent, { type: "run.started" | "run.completed" }>;

/** An event before the run log stamps it: no `run_id`, `seq` or `ts` yet. */
export type EventDraft = FanoutEvent extends infer E
  ? E extends FanoutEvent
    ? Omit<E, "run_id" | "seq" | "ts">
    : never
  : never;
export type AgentEventDraft = Extract<EventDraft, { agent_id: string }>;

/** Reader-level problems (not part of the run log): sent as `event: error` without an id. */
export const ReaderErrorCode = z.enum(["cursor_expired", "shutting_down", "unauthorized"]);
export const ReaderError = z.object({ type: z.literal("error"), code: z.string(), message: z.string() });
export type ReaderError = z.infer<typeof ReaderError>;
