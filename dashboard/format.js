/** What each agent status reads as in a column (API.md §3 statuses, plus the live ones). */
const AGENT_STATUS_TEXT = {
  pending: "waiting",
  queued: "queued",
  running: "streaming",
  retrying: "retrying",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
  timed_out: "timed out",
};

/** Agent statuses after which nothing more happens to the agent. */
export const AGENT_ENDED = new Set(["completed", "failed", "cancelled", "timed_out"]);

/**
 * @param {{ status: string }} agent a snapshot agent
 * @param {{ retryAttempt?: number, queuePosition?: number, queueReason?: string }} extra
 */
export function agentStatusText(agent, extra) {
  if (agent.status === "retrying" && extra.retryAttempt !== undefined) {
    return `retrying (attempt ${extra.retryAttempt})`;
  }
  if (agent.status === "queued" && extra.queuePosition !== undefined)
    return `queued (#${extra.queuePosition})`;
  return AGENT_STATUS_TEXT[/** @type {keyof AGENT_STATUS_TEXT} */ (agent.status)] ?? agent.status;
}

/**
 * Why a queued agent waits, in a sentence, when it is not simply the run's concurrency limit
 * (the snapshot keeps the reason, so a reload still says it).
 * @param {{ status: string, queued_reason?: string }} agent a snapshot agent
 * @param {{ queueReason?: string }} extra
 */
export function agentWaitText(agent, extra) {
  const reason = agent.queued_reason ?? extra.queueReason;
  return agent.status === "queued" && reason === "conversation_busy"
    ? "Waiting for its conversation (another run is using it)."
    : "";
}

/** @param {string} status a run status */
export function runStatusText(status) {
  return status === "timed_out" ? "timed out" : status;
}

/** @param {number | null | undefined} ms */
export function formatMs(ms) {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** @param {number | null | undefined} value */
export function formatRate(value) {
  return value === null || value === undefined ? "—" : value.toFixed(1);
}

/**
 * `fr-1a2b3c4d…`: enough of an id to tell runs apart in a list.
 * @param {string} id
 */
export function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 11)}…` : id;
}

/** @param {string | number} time an ISO date or ms since epoch */
export function formatTime(time) {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour12: false });
}
