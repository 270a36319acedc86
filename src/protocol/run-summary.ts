import type { RunSnapshot } from "./run-snapshot.js";

/** One entry of `GET /v1/runs` (newest first). */
export interface RunSummary {
  run_id: string;
  status: RunSnapshot["status"];
  created_at: string;
  completed_at?: string;
  panel: string | null;
  /** How many agents the run has. */
  agents: number;
}
