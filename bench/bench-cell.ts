/** The scenarios of BENCH.md this suite runs (D–F by capacity-scenarios.ts, outside the grid). */
export type Scenario = "A" | "B" | "C" | "D" | "E" | "F";

/**
 * Who serves the readers: the load client itself, the raw relay, the service (by encoding), or a
 * peer of bench/peers/ (`nginx` and `fastapi-pass` pass one Letta stream through, `fastapi` fans out).
 */
export type TargetName =
  "direct" | "raw-node" | "ours" | "ours+gzip" | "ours+br" | "nginx" | "fastapi" | "fastapi-pass";

/** Where the service keeps its run logs (config `store`): its own memory, or Redis Streams. */
export type StoreName = "memory" | "redis";

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
  /** Readers that parse every delta (latency, text) at most; the others count and check seq. Default 50. */
  fullReaders?: number;
  /** Runs of the load in a row (TTFE is a per-run figure, so its probe repeats). */
  repeats: number;
  /** Bound on each run of the load, ms. */
  timeoutMs: number;
  targets: TargetName[];
  /**
   * The stores `ours` runs on, one after the other, each in its own service process (the store is
   * the dimension of the Redis issue). `ours+gzip` and `ours+br` always run on memory.
   */
  stores: StoreName[];
}

/** One measured run of a cell: a target, and for the service, the store it runs on. */
export interface CellRun {
  target: TargetName;
  /** undefined for direct and raw-node, which have no store of the service's. */
  store: StoreName | undefined;
}

/** The runs of `cell` in order: each target, with `ours` once per store in `stores` (when available). */
export function cellRuns(cell: BenchCell, redisAvailable: boolean): CellRun[] {
  return cell.targets.flatMap((target): CellRun[] => {
    // Only the service has a store.
    if (!target.startsWith("ours")) return [{ target, store: undefined }];
    if (target !== "ours") return [{ target, store: "memory" }];
    return cell.stores
      .filter((store) => store === "memory" || redisAvailable)
      .map((store) => ({ target, store }));
  });
}
