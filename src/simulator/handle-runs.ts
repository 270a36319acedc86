import type { ServerResponse } from "node:http";
import { runNotFoundBody, sendJson } from "./letta-errors.js";
import { runJson, type RunStore } from "./run-store.js";

/** `GET /v1/runs/{run_id}`: the `Run` JSON (letta-wire §1.7), 404 when unknown. */
export function handleRetrieveRun(runs: RunStore, res: ServerResponse, runId: string): void {
  const run = runs.get(runId);
  if (run === undefined) return sendJson(res, 404, runNotFoundBody(runId));
  sendJson(res, 200, runJson(run));
}

function optionalBool(value: string | null): boolean | undefined {
  return value === null ? undefined : value === "true";
}

/**
 * `GET /v1/runs/`: an array of `Run` (letta-wire §1.7), filtered by `agent_id` (or `agent_ids`),
 * `conversation_id` (runs of the agent's default conversation have none), `statuses` (repeated), `active`, `background`; `order` (default desc), `after`/`before` run-id
 * cursors, `limit` (default 100).
 */
export function handleListRuns(runs: RunStore, res: ServerResponse, query: URLSearchParams): void {
  const limit = Number(query.get("limit") ?? 100);
  const list = runs.list({
    agentId: query.get("agent_id") ?? query.get("agent_ids") ?? undefined,
    conversationId: query.get("conversation_id") ?? undefined,
    statuses: query.getAll("statuses"),
    active: query.get("active") === "true",
    background: optionalBool(query.get("background")),
    limit: Number.isInteger(limit) ? limit : 100,
    order: query.get("order") === "asc" ? "asc" : "desc",
    after: query.get("after") ?? undefined,
    before: query.get("before") ?? undefined,
  });
  sendJson(res, 200, list.map(runJson));
}
