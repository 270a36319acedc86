import type { ServerResponse } from "node:http";
import { agentDirectAgent } from "./conversation-ids.js";
import { handleConversationCancel } from "./handle-conversation-cancel.js";
import { handleConversationMessage } from "./handle-conversation-message.js";
import { handleConversationStream } from "./handle-conversation-stream.js";
import {
  handleCreateConversation,
  handleListConversations,
  handleRetrieveConversation,
} from "./handle-conversations.js";
import type { RequestBody } from "./handle-send-message.js";
import { route, type Route, type RouteInput } from "./route.js";
import type { SimulatorContext } from "./simulator-context.js";

// The agent a conversation request is about, for the record: agent-direct mode names it (path,
// body or query `agent_id`), else it is the conversation's.
function conversationAgent(
  context: SimulatorContext,
  conversationId: string,
  body: RequestBody,
  query: URLSearchParams,
): string | null {
  const value = body.kind === "json" ? (body.value as Record<string, unknown> | null) : null;
  const fromBody = typeof value?.["agent_id"] === "string" ? value["agent_id"] : null;
  const direct = agentDirectAgent(conversationId, fromBody ?? query.get("agent_id"));
  return direct ?? context.conversations.get(conversationId)?.agentId ?? null;
}

/** Routes `/v1/conversations/…` (`segments` = the path split on "/"), or null when none matches. */
export function matchConversations(
  context: SimulatorContext,
  res: ServerResponse,
  segments: readonly string[],
  request: RouteInput,
): Route | null {
  const [, , , id, sub] = segments;
  const count = segments.length;
  if (count === 3) {
    const agentId = request.query.get("agent_id");
    if (request.method === "POST")
      return route("other", ["POST"], agentId, (body, query) =>
        handleCreateConversation(context, res, body, query),
      );
    return route("list", ["GET"], agentId, (_, query) => handleListConversations(context, res, query));
  }
  if (id === undefined) return null;
  const agentId = conversationAgent(context, id, request.body, request.query);
  if (count === 4)
    return route("retrieve", ["GET"], agentId, () => handleRetrieveConversation(context, res, id));
  if (count !== 5) return null;
  if (sub === "messages") {
    return route("message", ["POST"], agentId, (body) =>
      handleConversationMessage(context, res, id, body, request.authorization),
    );
  }
  if (sub === "stream") {
    return route("resume", ["POST"], agentId, (body) =>
      handleConversationStream(context, res, id, body, request.authorization),
    );
  }
  if (sub === "cancel")
    return route("cancel", ["POST"], agentId, (_, query) =>
      handleConversationCancel(context, res, id, query),
    );
  return null;
}
