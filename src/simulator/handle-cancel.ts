import type { ServerResponse } from "node:http";
import type { RequestBody } from "./handle-send-message.js";
import { malformedAgentIdBody, noActiveRunsBody, sendJson, validationErrorBody } from "./letta-errors.js";
import { isAgentId } from "./letta-ids.js";
import { isActive, type SimRun } from "./run-store.js";
import type { SimulatorContext } from "./simulator-context.js";

function requestedRunIds(body: RequestBody): string[] | null | Record<string, unknown> {
  if (body.kind !== "json" || body.value === null || typeof body.value !== "object") return null;
  const runIds = (body.value as Record<string, unknown>)["run_ids"];
  if (runIds === undefined || runIds === null) return null;
  if (!Array.isArray(runIds) || runIds.some((id) => typeof id !== "string")) {
    return validationErrorBody([
      { type: "list_type", loc: ["body", "run_ids"], msg: "Input should be a valid list", input: runIds },
    ]);
  }
  return runIds as string[];
}

function cancelRun(run: SimRun | undefined, agentId: string): "cancelled" | "failed" {
  if (run?.agentId !== agentId || !isActive(run) || run.producer === null) return "failed";
  return run.producer.cancel() ? "cancelled" : "failed";
}

/**
 * `POST /v1/agents/{agent_id}/messages/cancel`, body `{run_ids?}` (optional): cancels the given
 * runs, or every active run of the agent, and answers `{run_id: "cancelled" | "failed"}`; 409
 * when there is nothing to cancel (letta-wire §1.4). Like Letta, it does not check the agent
 * exists. Open streams of a cancelled run end as described in `RunProducer.cancel`.
 */
export function handleCancel(
  context: SimulatorContext,
  res: ServerResponse,
  agentId: string,
  body: RequestBody,
): void {
  if (!isAgentId(agentId)) return sendJson(res, 422, malformedAgentIdBody(agentId));
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const requested = requestedRunIds(body);
  if (requested !== null && !Array.isArray(requested)) return sendJson(res, 422, requested);
  const at = Date.now();
  const result: Record<string, string> = {};
  if (requested !== null && requested.length > 0) {
    for (const runId of requested) result[runId] = cancelRun(context.runs.get(runId), agentId);
  } else {
    const active = context.runs.activeFor(agentId);
    if (active.length === 0) {
      context.recorder.addCancel({ agentId, requestedRunIds: requested, result: null, status: 409, at });
      return sendJson(res, 409, noActiveRunsBody(agentId));
    }
    for (const run of active) result[run.id] = cancelRun(run, agentId);
  }
  context.recorder.addCancel({ agentId, requestedRunIds: requested, result, status: 200, at });
  sendJson(res, 200, result);
}
