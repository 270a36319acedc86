import { notFound, validationError } from "../errors.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { RunService } from "../runs/run-service.js";
import type { EventStore } from "../store/event-store.js";

/** How long a whole-run cancel waits for the run to end before answering "still running". */
const CANCEL_SETTLE_MS = 1_000;

/** What a cancel achieved: the run's status after it, and whether the run has ended. */
export interface CancelOutcome {
  run_id: string;
  status: RunSnapshot["status"];
  ended: boolean;
}

/**
 * Cancels a run, or only `agentIds` of it (API.md §2 `POST /v1/runs/{id}/cancel`, and
 * `run.cancel` on the WebSocket). Idempotent: an ended run is left as it is. A whole-run
 * cancel waits up to 1 s for `run.completed` so that the answer can name the final status.
 * Throws 404 for an unknown run and 422 naming each agent that is not in the run.
 */
export async function cancelRun(
  deps: { store: EventStore; runs: RunService },
  runId: string,
  agentIds: readonly string[] | undefined,
): Promise<CancelOutcome> {
  const snapshot = await deps.store.snapshot(runId);
  if (!snapshot) throw notFound(`No run ${runId} (it never existed, or passed retention).`);
  const active = deps.runs.get(runId);
  if (!active) return { run_id: runId, status: snapshot.status, ended: true };
  const unknown = (agentIds ?? []).flatMap((id, index) =>
    id in snapshot.agents
      ? []
      : [{ path: `agent_ids.${index}`, message: `${id} is not an agent of this run` }],
  );
  if (unknown.length > 0) throw validationError(unknown);
  active.run.cancel(agentIds);
  if (agentIds === undefined) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      active.done,
      new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_SETTLE_MS))),
    ]);
    clearTimeout(timer);
    if (!deps.runs.get(runId)) {
      const final = await deps.store.snapshot(runId);
      return { run_id: runId, status: final?.status ?? "cancelled", ended: true };
    }
  }
  return { run_id: runId, status: "running", ended: false };
}
