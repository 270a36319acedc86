import { randomUUID } from "node:crypto";
import { validationErrorBody, type PydanticError } from "./letta-errors.js";

const UUID4 = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

/** Letta's path pattern for a conversation id (`ConversationId`, `letta/validators.py`). */
const CONVERSATION_ID_PATTERN = `^conv-${UUID4}$`;
/** Letta's pattern for `ConversationIdOrDefault`: `default`, a conversation id or an agent id. */
const CONVERSATION_OR_DEFAULT_PATTERN = `^(default|conv-${UUID4}|agent-${UUID4})$`;

const conversationIdRegex = new RegExp(CONVERSATION_ID_PATTERN);
const conversationOrDefaultRegex = new RegExp(CONVERSATION_OR_DEFAULT_PATTERN);

/** A fresh conversation id, `conv-<uuid4>` (`letta/orm/conversation.py`). */
export function newConversationId(): string {
  return `conv-${randomUUID()}`;
}

// FastAPI's path check: pydantic's str constraints, in its order (min_length, max_length, pattern).
// Letta's 422 handler rewrites `*_id` errors only for primitives it knows by the parameter's
// name; "conversation" is not one (the primitive is "conv"), so these come through as pydantic
// wrote them, without `examples`.
function pathError(value: string, min: number, max: number, pattern: string, regex: RegExp) {
  const loc = ["path", "conversation_id"];
  let error: PydanticError | null = null;
  if (value.length < min) {
    const msg = `String should have at least ${String(min)} characters`;
    error = { type: "string_too_short", loc, msg, input: value, ctx: { min_length: min } };
  } else if (value.length > max) {
    const msg = `String should have at most ${String(max)} characters`;
    error = { type: "string_too_long", loc, msg, input: value, ctx: { max_length: max } };
  } else if (!regex.test(value)) {
    const msg = `String should match pattern '${pattern}'`;
    error = { type: "string_pattern_mismatch", loc, msg, input: value, ctx: { pattern } };
  }
  return error === null ? null : validationErrorBody([error]);
}

/** The 422 body for a malformed `ConversationId` path parameter (`conv-<uuid4>`), or null. */
export function conversationIdError(value: string): Record<string, unknown> | null {
  return pathError(value, 41, 41, CONVERSATION_ID_PATTERN, conversationIdRegex);
}

/** The 422 body for a malformed `ConversationIdOrDefault` path parameter, or null. */
export function conversationIdOrDefaultError(value: string): Record<string, unknown> | null {
  return pathError(value, 1, 42, CONVERSATION_OR_DEFAULT_PATTERN, conversationOrDefaultRegex);
}

/**
 * The agent of an agent-direct request (letta-wire §1.6): `default` with an `agent_id`, or the
 * deprecated agent id in place of the conversation id. Null means conversation mode.
 */
export function agentDirectAgent(conversationId: string, agentId: string | null | undefined): string | null {
  if (conversationId === "default" && agentId) return agentId;
  return conversationId.startsWith("agent-") ? conversationId : null;
}
