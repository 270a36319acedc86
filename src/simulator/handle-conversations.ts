import type { ServerResponse } from "node:http";
import { conversationIdError } from "./conversation-ids.js";
import { conversationJson, type ConversationInput } from "./conversation-store.js";
import type { RequestBody } from "./handle-send-message.js";
import {
  conversationNotFoundBody,
  sendJson,
  validationErrorBody,
  type PydanticError,
} from "./letta-errors.js";
import { isObject, optionalString } from "./pydantic-lax.js";
import type { SimulatorContext } from "./simulator-context.js";

// `CreateConversation` (optional body, every field optional; unknown fields ignored).
function conversationInput(
  body: RequestBody,
  errors: PydanticError[],
): ConversationInput & { badModel: boolean } {
  const value = body.kind === "json" ? body.value : {};
  if (!isObject(value)) {
    errors.push({
      type: "model_attributes_type",
      loc: ["body"],
      msg: "Input should be a valid dictionary or object to extract fields from",
      input: value,
    });
    return { summary: null, model: null, modelSettings: null, badModel: false };
  }
  const model = optionalString(value, "model", errors);
  const slash = model?.indexOf("/") ?? -1;
  return {
    summary: optionalString(value, "summary", errors),
    model,
    modelSettings: value["model_settings"] ?? null,
    // The validator raises LettaInvalidArgumentError, which pydantic lets through: a 400, not a 422.
    // "provider/model-name": a slash with text on both sides.
    badModel: model !== null && model !== "" && (slash <= 0 || slash === model.length - 1),
  };
}

/**
 * `POST /v1/conversations/?agent_id=…` (SDK `conversations.create`): creates a conversation
 * `conv-<uuid4>` on the agent and answers its `Conversation` JSON. 422 without `agent_id`, 400
 * for a model handle without `provider/`, 404 `{"detail":"Agent not found"}` for an unknown
 * agent (`LettaAgentNotFoundError` has its own handler, which words it so).
 */
export function handleCreateConversation(
  context: SimulatorContext,
  res: ServerResponse,
  body: RequestBody,
  query: URLSearchParams,
): void {
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const errors: PydanticError[] = [];
  const agentId = query.get("agent_id");
  if (agentId === null)
    errors.push({ type: "missing", loc: ["query", "agent_id"], msg: "Field required", input: null });
  const input = conversationInput(body, errors);
  if (errors.length > 0 || agentId === null) return sendJson(res, 422, validationErrorBody(errors));
  if (input.badModel) {
    return sendJson(res, 400, {
      detail: "INVALID_ARGUMENT: The model handle should be in the format provider/model-name",
    });
  }
  if (context.agents.compiled(agentId) === undefined)
    return sendJson(res, 404, { detail: "Agent not found" });
  sendJson(res, 200, conversationJson(context.conversations.create(agentId, input)));
}

/**
 * `GET /v1/conversations/` (SDK `conversations.list`): a bare array of `Conversation`, of one
 * agent (`agent_id`) or all, `order` by creation (default desc), `after` a conversation id,
 * `limit` (default 50).
 */
export function handleListConversations(
  context: SimulatorContext,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  const limit = Number(query.get("limit") ?? 50);
  const list = context.conversations.query({
    agentId: query.get("agent_id") ?? undefined,
    limit: Number.isInteger(limit) ? limit : 50,
    after: query.get("after") ?? undefined,
    order: query.get("order") === "asc" ? "asc" : "desc",
  });
  sendJson(
    res,
    200,
    list.map((conversation) => conversationJson(conversation)),
  );
}

/**
 * `GET /v1/conversations/{conversation_id}` (SDK `conversations.retrieve`): the `Conversation`
 * with its in-context message ids; 422 for a malformed id, 404 with Letta's ORM text when unknown.
 */
export function handleRetrieveConversation(
  context: SimulatorContext,
  res: ServerResponse,
  conversationId: string,
): void {
  const pathError = conversationIdError(conversationId);
  if (pathError !== null) return sendJson(res, 422, pathError);
  const conversation = context.conversations.get(conversationId);
  if (conversation === undefined)
    return sendJson(res, 404, conversationNotFoundBody(conversationId, context.settings.startedAt));
  sendJson(res, 200, conversationJson(conversation, true));
}
