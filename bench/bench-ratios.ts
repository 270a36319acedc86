import {
  capacityCorrectnessRow,
  capacityKneeRow,
  idleReaderRatio,
  slowReaderRatios,
} from "./capacity-ratios.js";
import type { CapacityResults } from "./capacity-scenarios.js";
import type { CellResult } from "./cell-result.js";
import { find, fixed, judged, noData, signed, type RatioRow } from "./ratio-row.js";
import type { TargetName } from "./bench-cell.js";
import { storeRatios } from "./store-ratios.js";

export type { RatioRow } from "./ratio-row.js";

const MIB = 1024 * 1024;

function cpuRatio(results: readonly CellResult[], cell: string, scenario: string): RatioRow {
  const name = `CPU per delivered event, ours ÷ raw-node (${scenario}: ${cell})`;
  const ours = find(results, cell, "ours")?.serverCpuUsPerEvent;
  const raw = find(results, cell, "raw-node")?.serverCpuUsPerEvent;
  if (ours === undefined || raw === undefined) return noData(name, "≤ 1.5", "cell not run");
  return judged(name, "≤ 1.5", ours / raw, 1.5, "×", `${fixed(ours)} vs ${fixed(raw)} µs/event`);
}

/**
 * BENCH.md's ratio table from the results: PASS/MISS with the gap to target where this suite
 * measures the ratio, "not measured" where it needs nginx or fastapi, "no data" when the cell was
 * not part of this run (--quick, --only). E's and F's rows, and D's knee, come from `capacity`.
 */
export function benchRatios(
  results: readonly CellResult[],
  quick: boolean,
  capacity?: CapacityResults,
): RatioRow[] {
  const rows: RatioRow[] = [];
  rows.push(cpuRatio(results, "1,000 ev/s · 60 B", "A"));
  rows.push(cpuRatio(results, "100 agents × 50 tok/s", "B"));
  rows.push(cpuRatio(results, "4 agents → 100 readers", "C"));

  const a1000 = (target: TargetName) => find(results, "1,000 ev/s · 60 B", target)?.latency.p99;
  const [oursP99, rawP99] = [a1000("ours"), a1000("raw-node")];
  const nginxP99 = a1000("nginx");
  const nginxName = "added p99 latency, ours − nginx, at 1,000 events/s";
  rows.push(
    oursP99 === undefined || nginxP99 === undefined
      ? noData(
          nginxName,
          "≤ +0.5 ms",
          oursP99 === undefined ? "cell not run" : "nginx not run (see the notes)",
        )
      : judged(
          nginxName,
          "≤ +0.5 ms",
          oursP99 - nginxP99,
          0.5,
          "ms",
          `p99 ours ${fixed(oursP99)}, nginx ${fixed(nginxP99)}, raw-node ${rawP99 === undefined ? "—" : fixed(rawP99)} ms (1,000 ev/s · 60 B)`,
        ),
  );

  const ttfeCell = quick ? "TTFE ×10" : "TTFE ×20";
  const oursTtfe = find(results, ttfeCell, "ours")?.ttfe?.p50;
  const directTtfe = find(results, ttfeCell, "direct")?.ttfe?.p50;
  const rawTtfe = find(results, ttfeCell, "raw-node")?.ttfe?.p50;
  rows.push(
    oursTtfe === undefined || directTtfe === undefined
      ? noData("time to first event, ours − direct", "≤ +1 ms", "TTFE probe not run")
      : judged(
          "time to first event, ours − direct",
          "≤ +1 ms",
          oursTtfe - directTtfe,
          1,
          "ms",
          `p50 of ${ttfeCell.slice(5)} runs: ours ${fixed(oursTtfe)}, raw-node ${rawTtfe === undefined ? "—" : fixed(rawTtfe)}, direct ${fixed(directTtfe)} ms`,
        ),
  );

  const maxCell = find(results, "max · 60 B", "ours");
  const fastapiMax = find(results, "max · 60 B", "fastapi");
  const fastapiName = "events/s, ours ÷ fastapi fan-out (A, 1 agent as fast as possible)";
  const perSecond = (value: number) => Math.round(value).toLocaleString("en-US");
  const cpu = (value: number | undefined) => (value === undefined ? "—" : fixed(value, 1));
  rows.push(
    !maxCell || !fastapiMax || fastapiMax.eventsPerSecond === 0
      ? noData(fastapiName, "≥ 5", maxCell ? "fastapi not run (see the notes)" : "cell not run")
      : judged(
          fastapiName,
          "≥ 5",
          maxCell.eventsPerSecond / fastapiMax.eventsPerSecond,
          5,
          "×",
          `${perSecond(maxCell.eventsPerSecond)} vs ${perSecond(fastapiMax.eventsPerSecond)} ev/s; CPU µs/ev ours ${cpu(maxCell.serverCpuUsPerEvent)}, fastapi ${cpu(fastapiMax.serverCpuUsPerEvent)}`,
          true,
        ),
  );
  rows.push(idleReaderRatio(capacity));
  rows.push(...slowReaderRatios(capacity));
  for (const row of [capacityKneeRow(capacity), capacityCorrectnessRow(capacity)]) if (row) rows.push(row);

  const b1000 = find(results, "1,000 agents × 50 tok/s", "ours");
  if (!b1000)
    rows.push(noData("1,000 agents in one run (B)", "completes, zero loss, RSS ≤ 256 MiB", "cell not run"));
  else {
    const lost =
      b1000.counts.missing + b1000.counts.duplicated + b1000.counts.outOfOrder + b1000.counts.corrupt;
    const peak = (b1000.server?.rssPeakBytes ?? 0) / MIB;
    const pass =
      b1000.problems.length === 0 && lost === 0 && b1000.counts.textMismatches === 0 && peak <= 256;
    rows.push({
      ratio: "1,000 agents in one run (B)",
      target: "completes, zero loss, RSS ≤ 256 MiB",
      measured: `${b1000.problems.length === 0 ? "completed" : "problems"}, ${lost} lost, RSS peak ${fixed(peak, 1)} MiB`,
      verdict: pass ? "PASS" : "MISS",
      gap: `${signed(peak - 256, 1)} MiB`,
      note: b1000.problems.join("; ") || `${fixed(b1000.wallMs / 1000, 1)} s for a 2 s load`,
    });
  }

  const gzipCell = "4 agents → 100 readers";
  const plain = find(results, gzipCell, "ours")?.serverCpuUsPerEvent;
  for (const [target, limit] of [
    ["ours+gzip", 3],
    ["ours+br", undefined],
  ] as const) {
    const name = `${target === "ours+gzip" ? "gzip" : "brotli"} CPU per event ÷ plain CPU per event (G, ${gzipCell})`;
    const compressed = find(results, gzipCell, target);
    if (plain === undefined || compressed?.serverCpuUsPerEvent === undefined) {
      rows.push(noData(name, limit === undefined ? "— (no target)" : `≤ ${limit}`, "cell not run"));
      continue;
    }
    const plainBytes = find(results, gzipCell, "ours")?.bytesPerEvent ?? 0;
    const note = `${fixed(compressed.serverCpuUsPerEvent)} vs ${fixed(plain)} µs/event; ${fixed(compressed.bytesPerEvent ?? 0, 0)} vs ${fixed(plainBytes, 0)} B/event on the wire`;
    const ratio = compressed.serverCpuUsPerEvent / plain;
    rows.push(
      limit === undefined
        ? {
            ratio: name,
            target: "— (no target)",
            measured: `${fixed(ratio)}×`,
            verdict: "info",
            gap: "—",
            note,
          }
        : judged(name, `≤ ${limit}`, ratio, limit, "×", note),
    );
  }

  rows.push(...storeRatios(results));

  const dirty = results.filter(
    (result) =>
      result.counts.missing + result.counts.duplicated + result.counts.outOfOrder + result.counts.corrupt >
        0 || result.counts.textMismatches > 0,
  );
  rows.push({
    ratio: "missing / duplicated / out-of-order events, reassembled text (every cell, every target)",
    target: "all 0, text equal",
    measured: dirty.length === 0 ? "all 0" : `${dirty.length} cells with errors`,
    verdict: dirty.length === 0 ? "PASS" : "MISS",
    gap: dirty.length === 0 ? "0" : String(dirty.length),
    note: dirty
      .map((result) => `${result.cell} / ${result.target}${result.store === "redis" ? " on redis" : ""}`)
      .join("; "),
  });
  return rows;
}
