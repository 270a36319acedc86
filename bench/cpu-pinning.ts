import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** Where the bench's processes run: the target alone on one core, load and upstream on another. */
export interface Pinning {
  /** True when `taskset` works and there are at least 2 cores. */
  enabled: boolean;
  targetCore: number;
  loadCore: number;
  /** Why pinning is off, for the report. */
  note: string;
}

/**
 * Decides the pinning and pins this process (the load client) with all its threads. Falls back
 * to no pinning (CPU-time figures still hold) when taskset is missing or there is one core.
 */
export function pinLoadProcess(): Pinning {
  const cores = availableParallelism();
  const off = (note: string): Pinning => ({ enabled: false, targetCore: 0, loadCore: 0, note });
  if (cores < 2) return off(`only ${cores} core: nothing pinned, compare CPU-time figures`);
  try {
    execFileSync("taskset", ["-a", "-cp", "1", String(process.pid)], { stdio: "ignore" });
  } catch {
    return off("taskset unavailable: nothing pinned, compare CPU-time figures");
  }
  return {
    enabled: true,
    targetCore: 0,
    loadCore: 1,
    note: "target on core 0; load client and upstream on core 1",
  };
}
