import { PyRaw, pythonRepr } from "./python-repr.js";
import { validationErrorBody, type PydanticError } from "./letta-errors.js";
import { isObject, laxBool, laxInt } from "./pydantic-lax.js";
import { newUuid } from "./letta-ids.js";

/** One input message as Letta stores it: its otid is the client's, or a fresh uuid4. */
export interface InputMessage {
  readonly role: string;
  /** The message's text (text parts joined). */
  readonly text: string;
  /**
   * The client's `otid`, or a fresh uuid4 when it sent none (`MessageCreateBase.generate_otid_if_missing`;
   * `input` becomes one user message that gets a fresh one too).
   */
  readonly otid: string;
}

/**
 * Which body model a send endpoint takes: `agent` = `LettaStreamingRequest` (streaming defaults
 * to false), `agent-stream` = the same on the deprecated `/messages/stream` (always streams),
 * `conversation` = `ConversationMessageRequest` (streaming defaults to true, an `agent_id` field,
 * and no "streaming options without streaming" check, letta-wire §1.6).
 */
export type MessageEndpoint = "agent" | "agent-stream" | "conversation";

/** A validated send-message request (`LettaStreamingRequest`, letta-wire §1.1). */
export interface MessageRequest {
  readonly streaming: boolean;
  readonly streamTokens: boolean;
  readonly includePings: boolean;
  readonly background: boolean;
  readonly maxSteps: number;
  /** Text of the last user message; what `{{message}}` stands for. */
  readonly userText: string;
  /** The input messages (`input` as one user message), with their otids. */
  readonly messages: readonly InputMessage[];
  /** `agent_id` of a conversation request (agent-direct mode), else null. */
  readonly agentId: string | null;
}

/** The request, or the 422 body Letta would send. */
export type MessageRequestResult =
  | { readonly ok: true; readonly request: MessageRequest }
  | { readonly ok: false; readonly body: Record<string, unknown> };

const ROLES = ["user", "system", "assistant"];

// Simplified pydantic errors for MessageCreate items (the real ones list every union member).
function messageErrors(messages: unknown): PydanticError[] {
  if (messages === undefined || messages === null) return [];
  if (!Array.isArray(messages))
    return [
      { type: "list_type", loc: ["body", "messages"], msg: "Input should be a valid list", input: messages },
    ];
  const errors: PydanticError[] = [];
  messages.forEach((item: unknown, index) => {
    const loc = ["body", "messages", index, "MessageCreate"];
    if (!isObject(item)) {
      errors.push({
        type: "model_attributes_type",
        loc,
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: item,
      });
      return;
    }
    if (item["type"] === "approval" || item["type"] === "tool_return") return;
    if (item["role"] === undefined)
      errors.push({ type: "missing", loc: [...loc, "role"], msg: "Field required", input: item });
    else if (typeof item["role"] !== "string" || !ROLES.includes(item["role"])) {
      const expected = "'user', 'system' or 'assistant'";
      errors.push({
        type: "enum",
        loc: [...loc, "role"],
        msg: `Input should be ${expected}`,
        input: item["role"],
        ctx: { expected },
      });
    }
    const content = item["content"];
    if (content === undefined)
      errors.push({ type: "missing", loc: [...loc, "content"], msg: "Field required", input: item });
    else if (typeof content !== "string" && !Array.isArray(content)) {
      errors.push({
        type: "string_type",
        loc: [...loc, "content", "str"],
        msg: "Input should be a valid string",
        input: content,
      });
    }
  });
  return errors;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) => (isObject(part) && typeof part["text"] === "string" ? part["text"] : ""))
    .join("");
}

function inputMessagesOf(body: Record<string, unknown>): InputMessage[] {
  const input = body["input"];
  if (input !== undefined && input !== null) return [{ role: "user", text: textOf(input), otid: newUuid() }];
  const messages = Array.isArray(body["messages"]) ? (body["messages"] as unknown[]) : [];
  return messages.filter(isObject).map((message) => {
    const otid = message["otid"];
    return {
      // Approval and tool-return items have a type instead of a role.
      role:
        typeof message["role"] === "string"
          ? message["role"]
          : typeof message["type"] === "string"
            ? message["type"]
            : "message",
      text: textOf(message["content"]),
      otid: typeof otid === "string" ? otid : newUuid(),
    };
  });
}

function userTextOf(body: Record<string, unknown>): string {
  if (body["input"] !== undefined && body["input"] !== null) return textOf(body["input"]);
  const messages = Array.isArray(body["messages"]) ? (body["messages"] as unknown[]) : [];
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (isObject(message) && message["role"] === "user") return textOf(message["content"]);
  }
  return "";
}

function valueError(message: string, input: unknown): PydanticError {
  return {
    type: "value_error",
    loc: ["body"],
    msg: `Value error, ${message}`,
    input,
    ctx: { error: new PyRaw(`ValueError(${pythonRepr(message)})`) },
  };
}

/**
 * Validates a send-message body the way Letta does (letta-wire §1.1, §1.6): pydantic field checks
 * (unknown fields ignored), exactly one of `messages` / `input`, no empty `messages`, and, on the
 * agent endpoint, no streaming options without `streaming: true` (skipped on the deprecated
 * `/messages/stream`, which forces streaming). Error texts follow pydantic's, simplified for
 * message items.
 *
 * @param body the parsed JSON body, or undefined when the request had none.
 */
export function parseMessageRequest(body: unknown, endpoint: MessageEndpoint): MessageRequestResult {
  const alwaysStream = endpoint === "agent-stream";
  const fail = (errors: PydanticError[]): MessageRequestResult => ({
    ok: false,
    body: validationErrorBody(errors),
  });
  if (body === undefined)
    return fail([{ type: "missing", loc: ["body"], msg: "Field required", input: null }]);
  if (!isObject(body)) {
    return fail([
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: body,
      },
    ]);
  }
  const streaming = laxBool("streaming", body["streaming"], endpoint === "conversation");
  const streamTokens = laxBool("stream_tokens", body["stream_tokens"], false);
  const includePings = laxBool("include_pings", body["include_pings"], true);
  const background = laxBool("background", body["background"], false);
  const maxSteps = laxInt("max_steps", body["max_steps"], 50);
  const errors: PydanticError[] = messageErrors(body["messages"]);
  const input = body["input"];
  if (input !== undefined && input !== null && typeof input !== "string" && !Array.isArray(input)) {
    errors.push({
      type: "string_type",
      loc: ["body", "input", "str"],
      msg: "Input should be a valid string",
      input,
    });
  }
  for (const field of [streaming, streamTokens, includePings, background, maxSteps])
    if (!field.ok) errors.push(field.error);
  const agentId = body["agent_id"];
  if (
    endpoint === "conversation" &&
    agentId !== undefined &&
    agentId !== null &&
    typeof agentId !== "string"
  ) {
    errors.push({
      type: "string_type",
      loc: ["body", "agent_id"],
      msg: "Input should be a valid string",
      input: agentId,
    });
  }
  if (
    errors.length > 0 ||
    !streaming.ok ||
    !streamTokens.ok ||
    !includePings.ok ||
    !background.ok ||
    !maxSteps.ok
  )
    return fail(errors);

  const hasMessages = body["messages"] !== undefined && body["messages"] !== null;
  const hasInput = input !== undefined && input !== null;
  if (hasMessages && hasInput)
    return fail([valueError("Cannot specify both 'input' and 'messages'. Use one or the other.", body)]);
  if (!hasMessages && !hasInput)
    return fail([valueError("Must specify either 'input' or 'messages'.", body)]);
  if (hasMessages && (body["messages"] as unknown[]).length === 0)
    return { ok: false, body: { detail: "Messages must not be empty" } };

  // Only the agent endpoint checks this; the conversation endpoint ignores the options instead.
  if (endpoint === "agent" && !streaming.value) {
    const problems: string[] = [];
    if (streamTokens.value) problems.push("stream_tokens can only be true when streaming=true");
    if (!includePings.value) problems.push("include_pings can only be set to false when streaming=true");
    if (background.value) problems.push("background can only be true when streaming=true");
    if (problems.length > 0) {
      const detail = `Streaming options set without streaming enabled. ${problems.join("; ")}. Either set streaming=true or use default values for streaming options.`;
      return { ok: false, body: { detail } };
    }
  }
  return {
    ok: true,
    request: {
      streaming: alwaysStream || streaming.value,
      streamTokens: streamTokens.value,
      includePings: includePings.value,
      background: background.value,
      maxSteps: Math.max(1, maxSteps.value),
      userText: userTextOf(body),
      messages: inputMessagesOf(body),
      agentId: endpoint === "conversation" && typeof agentId === "string" ? agentId : null,
    },
  };
}
