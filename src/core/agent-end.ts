import type { AgentEndStatus } from "../protocol/events.js";
import type { AgentMetricsTracker } from "./agent-metrics-tracker.js";
import type { AgentOutputSink } from "./agent-output-sink.js";
import type { AgentSource } from "./agent-source.js";

/** Bound on waiting for Letta's cancel endpoint before the agent reports `cancelled`. */
const CANCEL_CALL_TIMEOUT_MS = 2_000;

/** Maps Letta's stop reason to the agent's final status (letta-wire §2.6). */
export async function finish(
  sink: AgentOutputSink,
  metrics: AgentMetricsTracker,
  stopReason: string | undefined,
): Promise<AgentEndStatus> {
  const reason = stopReason ?? "end_turn";
  if (["end_turn", "max_steps", "tool_rule", "requires_approval"].includes(reason)) {
    return end(sink, metrics, "completed", undefined, reason);
  }
  if (reason === "cancelled") {
    return end(
      sink,
      metrics,
      "cancelled",
      { code: "cancelled", message: "Letta cancelled the agent's run." },
      reason,
    );
  }
  return end(
    sink,
    metrics,
    "failed",
    { code: "upstream_error", message: `Letta stopped the agent with stop reason "${reason}".` },
    reason,
  );
}

export function end(
  sink: AgentOutputSink,
  metrics: AgentMetricsTracker,
  status: AgentEndStatus,
  error?: { code: string; message: string },
  stopReason?: string,
): Promise<AgentEndStatus> {
  sink.close();
  sink.event({
    type: "agent.completed",
    agent_id: sink.agentId,
    status,
    ...(stopReason === undefined ? {} : { stop_reason: stopReason }),
    ...(error === undefined ? {} : { error }),
    metrics: metrics.finish(),
  });
  return Promise.resolve(status);
}

/** Best effort: Letta keeps working after a client disconnect, so tell it to stop (letta-wire §1.4). */
export async function cancelUpstream(
  source: AgentSource,
  agentId: string,
  lettaRunId: string | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    source.cancel(agentId, lettaRunId),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_CALL_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}
