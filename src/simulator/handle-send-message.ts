import type { ServerResponse } from "node:http";
import {
  agentNotFoundBody,
  backgroundUnavailableBody,
  malformedAgentIdBody,
  sendJson,
} from "./letta-errors.js";
import { isAgentId } from "./letta-ids.js";
import { deriveRequestToken } from "./request-token.js";
import { parseMessageRequest } from "./parse-message-request.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import { startRun } from "./start-run.js";
import { sendStatusFault } from "./status-fault-response.js";

/** A request body as read: parsed JSON, or why it could not be parsed. */
export type RequestBody =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "invalid"; readonly error: Record<string, unknown> };

/**
 * `POST /v1/agents/{agent_id}/messages` (and the deprecated `/messages/stream`, which always
 * streams): validates like Letta (path id 422, body 422s, then 404 for an unknown agent, letta-wire
 * §1.1, §2.7), applies the request's faults, and starts the run as an SSE stream, a background run
 * or a JSON `LettaResponse`.
 */
export async function handleSendMessage(
  context: SimulatorContext,
  res: ServerResponse,
  agentId: string,
  body: RequestBody,
  alwaysStream: boolean,
  authorization: string | undefined,
): Promise<void> {
  if (!isAgentId(agentId)) return sendJson(res, 422, malformedAgentIdBody(agentId));
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const parsed = parseMessageRequest(
    body.kind === "json" ? body.value : undefined,
    alwaysStream ? "agent-stream" : "agent",
  );
  if (!parsed.ok) return sendJson(res, 422, parsed.body);
  const request = parsed.request;
  const agent = context.agents.compiled(agentId);
  if (agent === undefined) return sendJson(res, 404, agentNotFoundBody(agentId));
  const background = request.streaming && request.background;
  const faults = context.faults.select(agentId, "message", background, authorization);
  if (faults.slowHeadersMs > 0) {
    await delay(context, faults.slowHeadersMs);
    if (res.destroyed) return;
  }
  if (faults.status !== null) return sendStatusFault(res, faults, agentId, background);
  if (background && !(context.settings.background && context.settings.redis))
    return sendJson(res, 503, backgroundUnavailableBody());
  // The agent may have been replaced or removed during a slow_headers delay. This endpoint takes
  // no conversation lock (letta-wire §1.1), but a streaming run maps its otids like any other.
  const run = startRun(context, res, context.agents.compiled(agentId) ?? agent, request, faults, {
    endpoint: "agent",
    conversationId: null,
    lockKey: null,
    headersDelayMs: 0,
  });
  if (request.streaming && context.settings.redis) {
    const otids = request.messages.map((message) => message.otid);
    context.otidRuns.set([deriveRequestToken(otids), ...otids], run.id);
  }
}
