import type { Scenario } from "./bench-cell.js";
import type { RatioRow } from "./bench-ratios.js";
import type { UpstreamCalibration } from "./calibrate-upstreams.js";
import type { CellResult } from "./cell-result.js";
import { renderStoreTable } from "./render-store-table.js";

/** Where and how a run was made; printed above the tables and kept in the JSON. */
export interface BenchMeta {
  startedAt: string;
  durationSeconds: number;
  commit: string;
  node: string;
  cpu: string;
  cores: number;
  pinning: string;
  quick: boolean;
  scenarios: Scenario[];
  upstream: string;
  notes: string[];
}

const TITLES: Record<Scenario, string> = {
  A: "A passthrough: 1 agent → 1 reader (the run's own stream; nginx, fastapi-pass: the Letta stream passed through)",
  B: "B fan-in: N agents × 50 tok/s → 1 reader (the run's own stream)",
  C: "C fan-out (+ G compression): one run of 4 agents × 50 tok/s → N readers of GET /v1/runs/{id}/events",
  D: "D capacity: every step of the ramp, figures (verdicts and knees below)",
  E: "E slow reader",
  F: "F idle readers",
};

const MIB = 1024 * 1024;
const dash = "—";
const ms = (value: number | undefined) => (value === undefined ? dash : value.toFixed(2));
const added = (value: number | undefined, floor: number | undefined) =>
  value === undefined || floor === undefined
    ? dash
    : `${value - floor >= 0 ? "+" : ""}${(value - floor).toFixed(2)}`;
/** NaN: no such figure (a peer has no event loop of ours to watch). */
const one = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? dash : value.toFixed(1);
const whole = (value: number | undefined) =>
  value === undefined ? dash : Math.round(value).toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function figureRow(result: CellResult, direct: CellResult | undefined): string[] {
  const { counts, server } = result;
  const rss = server
    ? `${(server.rssStartBytes / MIB).toFixed(0)} / ${(server.rssPeakBytes / MIB).toFixed(0)} / ${(server.rssEndBytes / MIB).toFixed(0)}`
    : dash;
  const perReader =
    result.rssPerReaderBytes === undefined
      ? ""
      : ` (${(result.rssPerReaderBytes / 1024).toFixed(0)} KiB/reader)`;
  const errors = `${counts.missing}/${counts.duplicated}/${counts.outOfOrder}/${counts.corrupt}/${counts.textMismatches}`;
  return [
    result.cell,
    result.target,
    result.store ?? dash,
    ms(result.latency.p50),
    ms(result.latency.p99),
    result.target === "direct" ? dash : added(result.latency.p50, direct?.latency.p50),
    result.target === "direct" ? dash : added(result.latency.p99, direct?.latency.p99),
    ms(result.ttfe?.p50),
    server ? one(result.serverCpuUsPerEvent) : `(${one(result.clientCpuUsPerEvent)})`,
    whole(result.eventsPerSecond),
    rss + perReader,
    server ? one(server.eventLoopDelayP99Ms) : dash,
    whole(result.bytesPerEvent),
    one(result.upstreamCpuUsPerDelta),
    result.problems.length === 0 ? errors : `${errors} ⚠`,
  ];
}

const FIGURE_HEADER = [
  "cell",
  "target",
  "store",
  "lat p50 ms",
  "lat p99 ms",
  "+p50 ms",
  "+p99 ms",
  "TTFE ms",
  "CPU µs/ev",
  "events/s",
  "RSS MiB start/peak/end",
  "ELD p99 ms",
  "B/ev",
  "upstream µs/δ",
  "miss/dup/ooo/bad/text",
];

/** The whole report as Markdown: setup, calibration, one figure table per scenario, the ratios. */
export function renderReport(
  meta: BenchMeta,
  calibration: readonly UpstreamCalibration[],
  results: readonly CellResult[],
  ratios: readonly RatioRow[],
  /** Scenarios D–F and the chart (render-capacity.ts), placed before the ratios. */
  capacity = "Scenarios D (capacity), E (slow reader) and F (idle readers): not run.",
): string {
  const out: string[] = [];
  out.push(`# letta-fanout bench — ${meta.startedAt}${meta.quick ? " (quick)" : ""}`);
  out.push("");
  out.push(
    `commit ${meta.commit} · Node ${meta.node} · ${meta.cores} × ${meta.cpu} · ${meta.pinning} · ` +
      `${meta.durationSeconds.toFixed(0)} s · upstream: ${meta.upstream}`,
  );
  for (const note of meta.notes) out.push(`- ${note}`);
  if (calibration.length > 0) {
    out.push("", "## Upstream calibration (read by the direct client; CPU of the upstream process)", "");
    out.push(
      table(
        ["upstream", "load", "deltas", "CPU µs/δ", "δ/s", "problems"],
        calibration.map((row) => [
          row.upstream,
          row.load,
          whole(row.deltas),
          one(row.cpuUsPerDelta),
          whole(row.deltasPerSecond),
          row.problems.join("; ") || dash,
        ]),
      ),
    );
  }
  for (const scenario of meta.scenarios) {
    const rows = results.filter((result) => result.scenario === scenario);
    if (rows.length === 0) continue;
    out.push("", `## ${TITLES[scenario]}`, "");
    const body = rows.map((result) =>
      figureRow(
        result,
        results.find((other) => other.cell === result.cell && other.target === "direct"),
      ),
    );
    if (scenario === "A") {
      const blank = FIGURE_HEADER.slice(4).map(() => dash);
      for (const peer of ["nginx", "fastapi-pass", "fastapi"] as const)
        if (!rows.some((result) => result.target === peer))
          body.push(["all", peer, dash, "not measured (see the notes)", ...blank]);
    }
    out.push(table(FIGURE_HEADER, body));
    const problems = rows.filter((result) => result.problems.length > 0);
    for (const result of problems)
      out.push(`- ⚠ ${result.cell} / ${result.target}: ${result.problems.join("; ")}`);
  }
  const storeTable = renderStoreTable(results);
  if (storeTable !== undefined) out.push("", storeTable);
  out.push("", capacity);
  out.push("", "## Ratios that count (BENCH.md)", "");
  out.push(
    table(
      ["ratio", "target", "measured", "verdict", "gap to target", "detail"],
      ratios.map((row) => [row.ratio, row.target, row.measured, row.verdict, row.gap, row.note || dash]),
    ),
  );
  out.push("");
  return out.join("\n");
}
