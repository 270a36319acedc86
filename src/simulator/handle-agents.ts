import type { ServerResponse } from "node:http";
import type { AgentRegistry } from "./agent-registry.js";
import { agentNotFoundBody, malformedAgentIdBody, sendJson, validationErrorBody } from "./letta-errors.js";
import { isAgentId } from "./letta-ids.js";

function sendJsonText(res: ServerResponse, text: string): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// Letta loads no relationships for 1.x clients unless asked: tags come back only with
// include=agent.tags (agent.blocks loads them too) (letta-wire §1.5).
function wantsTags(query: URLSearchParams): boolean {
  const include = query.getAll("include");
  return include.includes("agent.tags") || include.includes("agent.blocks");
}

/** `GET /v1/agents/{agent_id}`: AgentState, 404 unknown, 422 malformed id (letta-wire §1.5, §2.7). */
export function handleRetrieveAgent(
  agents: AgentRegistry,
  res: ServerResponse,
  agentId: string,
  query: URLSearchParams,
): void {
  if (!isAgentId(agentId)) return sendJson(res, 422, malformedAgentIdBody(agentId));
  const agent = agents.compiled(agentId);
  if (agent === undefined) return sendJson(res, 404, agentNotFoundBody(agentId));
  sendJsonText(res, wantsTags(query) ? agent.stateJsonWithTags : agent.stateJson);
}

/**
 * `GET /v1/agents/`: a bare JSON array of AgentState (letta-wire §1.5, §4.8). Honours `tags`
 * (repeated; any tag, or all with `match_all_tags=true`), `name`, `order` (default desc, by
 * creation), the `after`/`before` agent-id cursors (an unknown cursor gives an empty page, so
 * SDK auto-pagination always ends) and `limit` (default 50).
 */
export function handleListAgents(agents: AgentRegistry, res: ServerResponse, query: URLSearchParams): void {
  const limitText = query.get("limit");
  const limit = limitText === null ? 50 : Number(limitText);
  if (!Number.isInteger(limit)) {
    return sendJson(
      res,
      422,
      validationErrorBody([
        {
          type: "int_parsing",
          loc: ["query", "limit"],
          msg: "Input should be a valid integer, unable to parse string as an integer",
          input: limitText,
        },
      ]),
    );
  }
  const tags = query.getAll("tags");
  const matchAll = query.get("match_all_tags") === "true";
  const name = query.get("name");
  let list = agents.compiledList().filter((agent) => {
    if (name !== null && agent.spec.name !== name) return false;
    if (tags.length === 0) return true;
    return matchAll
      ? tags.every((tag) => agent.spec.tags.includes(tag))
      : tags.some((tag) => agent.spec.tags.includes(tag));
  });
  if (query.get("order") !== "asc") list.reverse();
  const after = query.get("after");
  if (after !== null) {
    const index = list.findIndex((agent) => agent.spec.id === after);
    list = index < 0 ? [] : list.slice(index + 1);
  }
  const before = query.get("before");
  if (before !== null) {
    const index = list.findIndex((agent) => agent.spec.id === before);
    list = index < 0 ? [] : list.slice(0, index);
  }
  const withTags = wantsTags(query);
  const page = list.slice(0, Math.max(0, limit));
  sendJsonText(
    res,
    `[${page.map((agent) => (withTags ? agent.stateJsonWithTags : agent.stateJson)).join(",")}]`,
  );
}
