import type { CellResult } from "./cell-result.js";

/** One progress line per measured cell and target, printed while the bench runs. */
export function describeResult(result: CellResult): string {
  const p99 = result.latency.p99 === undefined ? "—" : `${result.latency.p99.toFixed(2)} ms`;
  const cpu =
    result.serverCpuUsPerEvent === undefined ? "" : ` ${result.serverCpuUsPerEvent.toFixed(1)} µs/ev`;
  const ttfe = result.ttfe?.p50 === undefined ? "" : ` ttfe ${result.ttfe.p50.toFixed(2)} ms`;
  const { counts } = result;
  const lost =
    counts.missing + counts.duplicated + counts.outOfOrder + counts.corrupt + counts.textMismatches;
  const status =
    result.problems.length > 0 ? ` ⚠ ${result.problems.join("; ")}` : lost > 0 ? ` ⚠ ${lost} errors` : "";
  const target = result.store === "redis" ? `${result.target}/redis` : result.target;
  return (
    `${result.scenario} ${result.cell.padEnd(24)} ${target.padEnd(10)} p99 ${p99}${ttfe}${cpu}` +
    ` ${Math.round(result.eventsPerSecond).toLocaleString("en-US")} ev/s${status}`
  );
}
