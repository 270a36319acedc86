import { notFound, validationError } from "../errors.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { EventStore } from "../store/event-store.js";
import type { RunControl } from "../store/run-control.js";

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
 * `run.cancel` on the WebSocket), wherever it runs: the request goes to the instance that holds
 * it (`control`). Idempotent: an ended run is left as it is. A whole-run cancel waits up to 1 s for
 * `run.completed` so that the answer can name the final status. Throws 404 for an unknown run and
 * 422 naming each agent that is not in the run.
 */
export async function cancelRun(
  deps: { store: EventStore; control: RunControl },
  runId: string,
  agentIds: readonly string[] | undefined,
): Promise<CancelOutcome> {
  const snapshot = await deps.store.snapshot(runId);
  if (!snapshot) throw notFound(`No run ${runId} (it never existed, or passed retention).`);
  if (snapshot.status !== "running") return { run_id: runId, status: snapshot.status, ended: true };
  const unknown = (agentIds ?? []).flatMap((id, index) =>
    Object.hasOwn(snapshot.agents, id)
      ? []
      : [{ path: `agent_ids.${index}`, message: `${id} is not an agent of this run` }],
  );
  if (unknown.length > 0) throw validationError(unknown);
  await deps.control.requestCancel(runId, agentIds);
  if (agentIds === undefined && (await endsWithin(deps.store, runId, snapshot.last_seq, CANCEL_SETTLE_MS))) {
    const final = await deps.store.snapshot(runId);
    return { run_id: runId, status: final?.status ?? "cancelled", ended: true };
  }
  return { run_id: runId, status: "running", ended: false };
}

/** Whether the run's log reaches `run.completed` within `ms`, reading on from `after`. */
async function endsWithin(store: EventStore, runId: string, after: number, ms: number): Promise<boolean> {
  const signal = AbortSignal.timeout(ms);
  let cursor = after;
  for (;;) {
    const batch = await store.readRun(runId, cursor, 1_000);
    if (batch.ended) return true;
    cursor = batch.events.at(-1)?.seq ?? cursor;
    if (signal.aborted) return false;
    if (batch.events.length === 0) await store.waitRun(runId, cursor, signal);
  }
}
