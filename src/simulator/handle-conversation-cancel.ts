import type { ServerResponse } from "node:http";
import { agentDirectAgent, conversationIdOrDefaultError } from "./conversation-ids.js";
import { conversationNotFoundBody, noActiveRunsInConversationBody, sendJson } from "./letta-errors.js";
import type { SimulatorContext } from "./simulator-context.js";

// Letta cancels at most this many active runs per request (`list_runs(limit=100)`).
const MAX_CANCELLED = 100;

/**
 * `POST /v1/conversations/{conversation_id}/cancel?agent_id=…` (SDK `conversations.cancel`,
 * letta-wire §1.4): cancels the active runs of the conversation, or in agent-direct mode
 * (`default` + `agent_id`, or an agent id in the path) every active run of the agent, and answers
 * `{run_id: "cancelled" | "failed"}`. 404 for an unknown conversation, 409
 * `CONFLICT: No active runs to cancel for conversation <id>` when nothing is active.
 */
export function handleConversationCancel(
  context: SimulatorContext,
  res: ServerResponse,
  conversationId: string,
  query: URLSearchParams,
): void {
  const pathError = conversationIdOrDefaultError(conversationId);
  if (pathError !== null) return sendJson(res, 422, pathError);
  let agentId = agentDirectAgent(conversationId, query.get("agent_id"));
  const direct = agentId !== null;
  if (agentId === null) {
    const conversation = context.conversations.get(conversationId);
    if (conversation === undefined)
      return sendJson(res, 404, conversationNotFoundBody(conversationId, context.settings.startedAt));
    agentId = conversation.agentId;
  }
  const active = (direct ? context.runs.activeFor(agentId) : context.runs.activeIn(conversationId)).slice(
    0,
    MAX_CANCELLED,
  );
  const at = Date.now();
  if (active.length === 0) {
    context.recorder.addCancel({ agentId, requestedRunIds: null, result: null, status: 409, at });
    return sendJson(res, 409, noActiveRunsInConversationBody(conversationId));
  }
  const result: Record<string, string> = {};
  for (const run of active) result[run.id] = run.producer?.cancel() === true ? "cancelled" : "failed";
  context.recorder.addCancel({ agentId, requestedRunIds: null, result, status: 200, at });
  sendJson(res, 200, result);
}
