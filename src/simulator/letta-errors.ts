import type { ServerResponse } from "node:http";
import { PyTuple, pythonRepr } from "./python-repr.js";

/** Letta's example agent id, sent in the `examples` of a malformed-id 422 (letta-wire §2.7). */
const EXAMPLE_AGENT_ID = "agent-123e4567-e89b-42d3-8456-426614174000";

/** A pydantic-style validation error, before it is turned into Letta's `detail` string. */
export interface PydanticError {
  readonly type: string;
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly input: unknown;
  readonly ctx?: Record<string, unknown>;
}

/**
 * Writes a JSON response the way Starlette's `JSONResponse` does: compact JSON,
 * `content-type: application/json`, a content-length.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** 404 for an unknown agent (`NoResultFound` mapped by `app.py`). */
export function agentNotFoundBody(agentId: string): { detail: string } {
  return { detail: `Agent with ID ${agentId} not found` };
}

/** 404 for an unknown run (letta-wire §1.3). */
export function runNotFoundBody(runId: string): { detail: string } {
  return { detail: `Run with id ${runId} not found` };
}

/**
 * 422 from request validation. The real server sends `repr()` of pydantic's error list as a
 * STRING in `detail`, although its OpenAPI spec says `detail` is an array (letta-wire §2.7).
 */
export function validationErrorBody(errors: readonly PydanticError[]): Record<string, unknown> {
  const list = errors.map((error) => {
    const item: Record<string, unknown> = {
      type: error.type,
      loc: new PyTuple(error.loc),
      msg: error.msg,
      input: error.input,
    };
    if (error.ctx !== undefined) item["ctx"] = error.ctx;
    return item;
  });
  return { trace_id: "", detail: pythonRepr(list) };
}

/**
 * 422 for a malformed `*_id` path parameter: Letta rewrites the message to name the id format and
 * adds `examples` (letta-wire §2.7).
 */
export function malformedAgentIdBody(agentId: string): Record<string, unknown> {
  const pattern = "agent-{uuid4}";
  return {
    ...validationErrorBody([
      {
        type: "string_pattern_mismatch",
        loc: ["path", "agent_id"],
        msg: `String should match pattern '${pattern}'`,
        input: agentId,
        ctx: { pattern },
      },
    ]),
    examples: [EXAMPLE_AGENT_ID],
  };
}

/** 409 when there is nothing to cancel (`NoActiveRunsToCancelError`, letta-wire §1.4). */
export function noActiveRunsBody(agentId: string): { detail: string } {
  return { detail: `CONFLICT: No active runs to cancel for agent ${agentId}` };
}

/** 503 for a background request when background mode is off, like a Letta without Redis (§1.3). */
export function backgroundUnavailableBody(): { detail: string } {
  return {
    detail:
      "INTERNAL_SERVER_ERROR: Background streaming requires Redis to be running. Please ensure Redis is " +
      "properly configured. LETTA_REDIS_HOST: None, LETTA_REDIS_PORT: None",
  };
}

/** Letta's `{"error": {...}}` body for LLM errors raised before a stream starts (§2.7). */
export function llmErrorBody(type: string, message: string, detail: string): Record<string, unknown> {
  return { error: { type, message, detail } };
}

/** The human message Letta pairs with each LLM `error_type` (§2.5, §2.7). */
export function llmErrorMessage(errorType: string): string {
  switch (errorType) {
    case "llm_rate_limit":
      return "Rate limit exceeded for LLM model provider. Please wait before making another request.";
    case "llm_timeout":
      return "LLM request timed out. Please try again.";
    case "llm_authentication":
      return "Authentication failed with the LLM model provider.";
    case "internal_error":
      return "An internal error occurred.";
    default:
      return "An error occurred with the LLM request.";
  }
}

/** The HTTP status Letta uses for an LLM error of this type raised before streaming (§2.7). */
export function llmErrorStatus(errorType: string): number {
  switch (errorType) {
    case "llm_rate_limit":
      return 429;
    case "llm_timeout":
      return 504;
    case "llm_authentication":
      return 401;
    case "llm_insufficient_credits":
      return 402;
    default:
      return 500;
  }
}

/**
 * The body Letta sends with each status a `status` fault can ask for (§2.7), so that a client sees
 * what it would see from the real server.
 */
export function statusFaultBody(status: number, agentId: string, background: boolean): unknown {
  switch (status) {
    case 400:
      return { detail: "INVALID_ARGUMENT: Simulated invalid argument" };
    case 401:
      return { detail: "Unauthorized" };
    case 402:
      return llmErrorBody(
        "llm_insufficient_credits",
        "Insufficient credits for the LLM request.",
        "Simulated",
      );
    case 404:
      return agentNotFoundBody(agentId);
    case 409:
      return {
        detail:
          "CONFLICT: Cannot send a new message: Another request is currently being processed for this " +
          "agent. Please wait for it to complete.",
      };
    case 422:
      return { detail: "Messages must not be empty" };
    case 429:
      return llmErrorBody("llm_rate_limit", llmErrorMessage("llm_rate_limit"), "Simulated rate limit");
    case 500:
      return { detail: "An unknown error occurred" };
    case 503:
      return background
        ? backgroundUnavailableBody()
        : { detail: "The database is temporarily unavailable. Please try again later." };
    case 504:
      return llmErrorBody("llm_timeout", llmErrorMessage("llm_timeout"), "Simulated timeout");
    default:
      return { detail: `Simulated HTTP ${status}` };
  }
}

/** Letta's default actor on a self-hosted server (`UserManager.DEFAULT_USER_ID`, `DEFAULT_ORG_ID`). */
export const DEFAULT_USER_ID = "user-00000000-0000-4000-8000-000000000000";
const DEFAULT_ORG_ID = "org-00000000-0000-4000-8000-000000000000";

// Python's repr() of a UTC datetime: trailing zero fields left out, as `datetime.__repr__` does.
function pythonDatetimeRepr(ms: number): string {
  const date = new Date(ms);
  const fields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
  ];
  const micros = date.getUTCMilliseconds() * 1000;
  if (micros !== 0) fields.push(date.getUTCSeconds(), micros);
  else if (date.getUTCSeconds() !== 0) fields.push(date.getUTCSeconds());
  return `datetime.datetime(${fields.join(", ")}, tzinfo=datetime.timezone.utc)`;
}

/**
 * 404 for an unknown conversation: the `NoResultFound` text of Letta's ORM read
 * (`SqlalchemyBase.read_async`), which names the query's conditions, the actor's pydantic `str()`
 * among them. The actor is the default user, created when the simulator started.
 */
export function conversationNotFoundBody(conversationId: string, userCreatedAt: number): { detail: string } {
  const created = pythonDatetimeRepr(userCreatedAt);
  const actor =
    `id='${DEFAULT_USER_ID}' organization_id='${DEFAULT_ORG_ID}' name='default_user' ` +
    `created_at=${created} updated_at=${created} is_deleted=False`;
  return {
    detail:
      `Conversation not found with id='['${conversationId}']', access level in ['read'] for ` +
      `actor='${actor}', is_deleted=False`,
  };
}

/**
 * 409 while another request holds the conversation's lock (`ConversationBusyError` through
 * `_conversation_busy_handler`, letta-wire §1.6): with the holder's run id when its request token
 * maps to one (`enrich_conversation_busy_error`), else the text without it.
 */
export function conversationBusyBody(runId: string | null): Record<string, string> {
  if (runId === null) {
    return {
      detail:
        "CONFLICT: Cannot send a new message: Another request is currently being processed for this " +
        "conversation. Please wait for the current request to complete.",
    };
  }
  return {
    detail:
      `CONFLICT: Cannot send a new message: Another request (run_id=${runId}) is currently being ` +
      "processed for this conversation. Please wait for it to complete.",
    run_id: runId,
  };
}

/** 409 of the conversation cancel when nothing is active (`NoActiveRunsToCancelError`). */
export function noActiveRunsInConversationBody(conversationId: string): { detail: string } {
  return { detail: `CONFLICT: No active runs to cancel for conversation ${conversationId}` };
}

/**
 * 503 of the conversation stream endpoint without Redis: an `HTTPException`, so no
 * `INTERNAL_SERVER_ERROR:` prefix, unlike the send endpoints' {@link backgroundUnavailableBody}.
 */
export function conversationStreamUnavailableBody(): { detail: string } {
  return {
    detail:
      "Background streaming requires Redis to be running. Please ensure Redis is properly configured. " +
      "LETTA_REDIS_HOST: None, LETTA_REDIS_PORT: None",
  };
}
