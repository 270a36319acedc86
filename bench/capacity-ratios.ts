import type { CapacityResults } from "./capacity-scenarios.js";
import { fixed, judged, noData, signed, type RatioRow } from "./ratio-row.js";

const KIB = 1024;
const MIB = 1024 * 1024;
/** "Healthy readers' p99 unchanged": within this many ms, or this share of the p99 alone. */
const P99_SAME_MS = 2;
const P99_SAME_SHARE = 0.1;

/** BENCH.md's RSS per idle reader (F), judged for ours at the largest step measured. */
export function idleReaderRatio(capacity: CapacityResults | undefined): RatioRow {
  const name = "RSS per idle reader, ours";
  const rows = capacity?.idleReaders?.rows.filter((row) => row.rssPerReaderBytes !== undefined) ?? [];
  const ours = rows.filter((row) => row.target === "ours").at(-1);
  if (!ours?.rssPerReaderBytes) {
    return noData(
      name,
      "≤ 16 KiB",
      capacity?.ran.includes("F") ? "scenario F measured nothing" : "scenario F not run",
    );
  }
  const perStep = rows
    .map(
      (row) =>
        `${row.target} ${row.readers.toLocaleString("en-US")}: ${fixed((row.rssPerReaderBytes ?? 0) / KIB, 1)}`,
    )
    .join(", ");
  return judged(
    `${name} (F, ${ours.readers.toLocaleString("en-US")} readers)`,
    "≤ 16 KiB",
    ours.rssPerReaderBytes / KIB,
    16,
    " KiB",
    `KiB per reader: ${perStep}`,
  );
}

/**
 * BENCH.md's "RSS growth with one stalled reader for 120 s: ≤ 1 MiB; healthy readers' p99
 * unchanged" (E), for ours: two rows, the RSS growth with the slow reader less the growth without
 * it, and the healthy readers' p99 with it less without it.
 */
export function slowReaderRatios(capacity: CapacityResults | undefined): RatioRow[] {
  const outcome = capacity?.slowReader;
  const name = `RSS growth with one stalled reader for ${outcome?.seconds ?? 120} s${outcome && outcome.seconds < 120 ? " (--quick)" : ""}, ours`;
  const p99Name = "healthy readers' p99 with the stalled reader − without, ours";
  const find = (target: string, slow: boolean) =>
    outcome?.rows.find((row) => row.target === target && row.slowReader === slow);
  const [withSlow, without] = [find("ours", true), find("ours", false)];
  if (!withSlow || !without) {
    const why = capacity?.ran.includes("E") ? "scenario E measured nothing" : "scenario E not run";
    return [noData(name, "≤ 1 MiB", why), noData(p99Name, "unchanged", why)];
  }
  const raw = [find("raw-node", true), find("raw-node", false)] as const;
  const rawGrowth =
    raw[0] && raw[1]
      ? `; raw-node ${signed((raw[0].rssGrowthEndBytes - raw[1].rssGrowthEndBytes) / MIB)} MiB`
      : "";
  // Growth is end − start: what the target still holds at the end of the load, with the slow
  // reader megabytes behind. The peak, which also catches a transient heap, is shown beside it.
  const growth = (withSlow.rssGrowthEndBytes - without.rssGrowthEndBytes) / MIB;
  const rows = [
    judged(
      name,
      "≤ 1 MiB",
      growth,
      1,
      " MiB",
      `end − start RSS ${fixed(withSlow.rssGrowthEndBytes / MIB)} MiB with it, ${fixed(without.rssGrowthEndBytes / MIB)} MiB without` +
        ` (peak − start ${fixed(withSlow.rssGrowthPeakBytes / MIB)} and ${fixed(without.rssGrowthPeakBytes / MIB)})${rawGrowth}; ` +
        `the slow reader read ${((withSlow.slow?.bytes ?? 0) / KIB).toFixed(0)} KiB, ${withSlow.slow?.eventsBehind ?? "?"} events behind at the end`,
    ),
  ];
  const [p99With, p99Without] = [withSlow.healthyLatency.p99, without.healthyLatency.p99];
  if (p99With === undefined || p99Without === undefined)
    rows.push(noData(p99Name, "unchanged", "no latency samples"));
  else {
    const tolerance = Math.max(P99_SAME_MS, P99_SAME_SHARE * p99Without);
    const rawP99 =
      raw[0]?.healthyLatency.p99 !== undefined && raw[1]?.healthyLatency.p99 !== undefined
        ? `; raw-node ${signed(raw[0].healthyLatency.p99 - raw[1].healthyLatency.p99)} ms`
        : "";
    rows.push(
      judged(
        p99Name,
        `unchanged (≤ +${fixed(tolerance)} ms: ${P99_SAME_MS} ms or ${P99_SAME_SHARE * 100} %)`,
        p99With - p99Without,
        tolerance,
        "ms",
        `${fixed(p99With)} ms with it, ${fixed(p99Without)} ms without${rawP99}`,
      ),
    );
  }
  return rows;
}

/** D's knees side by side (no target in BENCH.md: the figure itself is the result). */
export function capacityKneeRow(capacity: CapacityResults | undefined): RatioRow | undefined {
  const ramp = capacity?.ramp;
  if (!ramp) return undefined;
  const knee = (target: string) => ramp.knees.find((k) => k.target === target);
  const label = (index: number | undefined) =>
    index === undefined ? "below step 1" : `step ${index + 1}: ${ramp.steps[index]?.label ?? "?"}`;
  const ours = knee("ours");
  const raw = knee("raw-node");
  return {
    ratio: "capacity knee (D): last step with p99 ≤ +50 ms over direct and no backlog",
    target: "— (measured)",
    measured: `ours ${label(ours?.lastGood)}; raw-node ${label(raw?.lastGood)}`,
    verdict: "info",
    gap: "—",
    note: [ours && `ours: ${ours.summary}`, raw && `raw-node: ${raw.summary}`, ramp.loadBound]
      .filter(Boolean)
      .join("; "),
  };
}

/**
 * The correctness counters of E and F, which have no CellResults of their own: the healthy
 * readers' missing, duplicated, out-of-order and corrupt deltas and text mismatches (E), the slow
 * reader's and the idle readers' seq gaps, and deltas the idle readers lacked once let go (F).
 */
export function capacityCorrectnessRow(capacity: CapacityResults | undefined): RatioRow | undefined {
  const slow = capacity?.slowReader?.rows ?? [];
  const idle = capacity?.idleReaders?.rows.filter((row) => row.skipped === undefined) ?? [];
  if (slow.length === 0 && idle.length === 0) return undefined;
  const dirty: string[] = [];
  for (const row of slow) {
    const { counts } = row;
    const errors =
      counts.missing + counts.duplicated + counts.outOfOrder + counts.corrupt + counts.textMismatches;
    const gaps = row.slow?.seqErrors ?? 0;
    if (errors + gaps > 0 || row.problems.length > 0)
      dirty.push(
        `E ${row.target} ${row.slowReader ? "with" : "without"}: ${[...row.problems, `${errors} errors`].join("; ")}`,
      );
  }
  for (const row of idle) {
    if (row.missingDeltas + row.seqErrors > 0 || row.problems.length > 0)
      dirty.push(`F ${row.target} ${row.readers}: ${row.problems.join("; ")}`);
  }
  return {
    ratio: "missing / duplicated / out-of-order events, reassembled text, seq gaps (E, F)",
    target: "all 0, text equal",
    measured: dirty.length === 0 ? "all 0" : `${dirty.length} loads with errors`,
    verdict: dirty.length === 0 ? "PASS" : "MISS",
    gap: String(dirty.length),
    note: dirty.join("; "),
  };
}
