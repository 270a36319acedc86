/** The scenarios of BENCH.md this suite runs (D–F are reported as not measured). */
export type Scenario = "A" | "B" | "C";

/** Who serves the readers: the load client itself, the raw relay, or the service (by encoding). */
export type TargetName = "direct" | "raw-node" | "ours" | "ours+gzip" | "ours+br";

/** One measured load, run once per target. */
export interface BenchCell {
  scenario: Scenario;
  /** Short name, e.g. "1,000 ev/s · 60 B". */
  label: string;
  agents: number;
  /** Deltas per second per agent; 0 = as fast as possible. */
  ratePerSecond: number;
  tokensPerAgent: number;
  payloadBytes: number;
  /** 0: one reader, the run's own stream (POST). n ≥ 1: n readers of GET /v1/runs/{id}/events. */
  readers: number;
  /** Runs of the load in a row (TTFE is a per-run figure, so its probe repeats). */
  repeats: number;
  /** Bound on each run of the load, ms. */
  timeoutMs: number;
  targets: TargetName[];
}
