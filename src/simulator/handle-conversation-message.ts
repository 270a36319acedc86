import type { ServerResponse } from "node:http";
import { agentDirectAgent, conversationIdOrDefaultError } from "./conversation-ids.js";
import type { RequestBody } from "./handle-send-message.js";
import {
  agentNotFoundBody,
  backgroundUnavailableBody,
  conversationBusyBody,
  conversationNotFoundBody,
  sendJson,
} from "./letta-errors.js";
import { parseMessageRequest } from "./parse-message-request.js";
import { deriveRequestToken } from "./request-token.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import { openRunReader, startRun } from "./start-run.js";
import { sendStatusFault } from "./status-fault-response.js";

/**
 * `POST /v1/conversations/{conversation_id}/messages` (letta-wire §1.6), following Letta's
 * `send_conversation_message` and `StreamingService.create_agent_stream`:
 *
 * - conversation mode (`conv-…`): the run is the conversation's agent's, with its
 *   `conversation_id`, and locks the conversation; agent-direct mode (`default` + body `agent_id`,
 *   or the deprecated agent id in the path) writes to the agent's default conversation and locks
 *   the agent id. A JSON request (`streaming: false`) in conversation mode takes no lock.
 * - With Redis (the default), a background request whose request token (from its otids) maps to
 *   a run is attached to that run's stream from the start, without a new run and before any lock
 *   check (`try_recover_duplicate_request`); else the lock is taken or the request gets 409 with
 *   the holder's run id. The lock is held until the run ends.
 * - A `slow_headers` fault withholds the answer, not the work: the run (lock, token, production)
 *   starts first, so a resend with the same otids finds it.
 */
export async function handleConversationMessage(
  context: SimulatorContext,
  res: ServerResponse,
  conversationId: string,
  body: RequestBody,
  authorization: string | undefined,
): Promise<void> {
  const pathError = conversationIdOrDefaultError(conversationId);
  if (pathError !== null) return sendJson(res, 422, pathError);
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const parsed = parseMessageRequest(body.kind === "json" ? body.value : undefined, "conversation");
  if (!parsed.ok) return sendJson(res, 422, parsed.body);
  const request = parsed.request;
  const directAgent = agentDirectAgent(conversationId, request.agentId);
  let agentId = directAgent;
  if (agentId === null) {
    const conversation = context.conversations.get(conversationId);
    if (conversation === undefined)
      return sendJson(res, 404, conversationNotFoundBody(conversationId, context.settings.startedAt));
    // Letta marks the conversation's activity at request time, whatever comes next.
    context.conversations.touch(conversationId);
    agentId = conversation.agentId;
  }
  const agent = context.agents.compiled(agentId);
  if (agent === undefined) return sendJson(res, 404, agentNotFoundBody(agentId));

  const background = request.streaming && request.background;
  const faults = context.faults.select(agentId, "message", background, authorization);
  const withheld = async (): Promise<boolean> => {
    if (faults.slowHeadersMs > 0) await delay(context, faults.slowHeadersMs);
    return !res.destroyed;
  };
  if (faults.status !== null) {
    if (await withheld()) sendStatusFault(res, faults, agentId, background);
    return;
  }
  const { redis } = context.settings;
  if (background && !(context.settings.background && redis)) {
    if (await withheld()) sendJson(res, 503, backgroundUnavailableBody());
    return;
  }

  // Without Redis Letta skips locking and recovery altogether.
  const lockKey = !redis ? null : (directAgent ?? (request.streaming ? conversationId : null));
  const otids = request.messages.map((message) => message.otid);
  const token = deriveRequestToken(otids);
  if (lockKey !== null && background) {
    const existingId = context.otidRuns.get(token);
    const existing = existingId === null ? undefined : context.runs.get(existingId);
    if (existing !== undefined) {
      if (await withheld())
        openRunReader(context, res, existing, { startingAfter: 0, keepalive: request.includePings, faults });
      return;
    }
  }
  if (lockKey !== null) {
    const holder = context.locks.acquire(lockKey, token);
    if (holder !== null) {
      const body = conversationBusyBody(context.otidRuns.get(holder));
      if (await withheld()) sendJson(res, 409, body);
      return;
    }
  }
  const run = startRun(context, res, agent, request, faults, {
    endpoint: "conversation",
    conversationId: directAgent === null ? conversationId : null,
    lockKey,
    headersDelayMs: faults.slowHeadersMs,
  });
  // Letta's JSON branch of conversation mode stores no mappings; every other branch does.
  if (redis && (request.streaming || directAgent !== null)) context.otidRuns.set([token, ...otids], run.id);
}
