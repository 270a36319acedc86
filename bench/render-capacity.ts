import { RAMP_MIN_DELIVERED_SHARE, RAMP_P99_LIMIT_MS } from "./capacity-ramp.js";
import type { CapacityResults } from "./capacity-scenarios.js";
import { HEALTHY_READERS, SLOW_READER_BYTES_PER_SECOND } from "./scenario-slow-reader.js";

const KIB = 1024;
const MIB = 1024 * 1024;
const dash = "—";
const ms = (value: number | undefined) => (value === undefined ? dash : value.toFixed(2));
const signedMs = (value: number | undefined) =>
  value === undefined ? dash : `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
const whole = (value: number | undefined) =>
  value === undefined ? dash : Math.round(value).toLocaleString("en-US");
const pct = (share: number | undefined) => (share === undefined ? dash : `${Math.round(share * 100)} %`);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * The Markdown of scenarios D, E and F (the ramp and its knees, the slow reader, the idle readers),
 * with the chart embedded from `chartFile` (a path relative to the report). Scenarios not run say
 * so in one line.
 */
export function renderCapacity(capacity: CapacityResults | undefined, chartFile: string | undefined): string {
  const out: string[] = [];
  if (chartFile !== undefined)
    out.push(`![Ratios against their targets, and the capacity ramp](${chartFile})`, "");
  const notRun = (["D", "E", "F"] as const).filter((scenario) => !capacity?.ran.includes(scenario));
  const ramp = capacity?.ramp;
  if (ramp) {
    out.push(
      `## D capacity: agents × tokens/s × readers, ${ramp.stepSeconds} s a step, until p99 > +${RAMP_P99_LIMIT_MS} ms over direct or a backlog grows`,
      "",
      `A step fails on p99 more than ${RAMP_P99_LIMIT_MS} ms over direct's (same agents × rate, one reader), on a backlog ` +
        `(deltas delivered to all readers ÷ (upstream let go → last frame) below ${RAMP_MIN_DELIVERED_SHARE * 100} % of ` +
        "agents × rate × readers: the last deltas arrive later and later), or on any lost, duplicated or reordered delta. " +
        "A step that fails on latency or backlog runs once more (a stall of the shared machine should not end the ramp) and " +
        "fails only if it fails again; its row shows the second run. " +
        "The knee is the last step that passed. Two readers per step parse every delta (latency, text); the others count " +
        "frames and check seq. load core: the load client's and the upstream's CPU ÷ wall time on their shared core; " +
        "near 100 % the load, not the target, may be what gave out.",
      "",
    );
    out.push(
      table(
        [
          "step",
          "load",
          "target",
          "p99 ms",
          "+p99 ms",
          "offered δ/s",
          "delivered δ/s",
          "delivered",
          "target core",
          "load core",
          "verdict",
        ],
        ramp.points.map((point) => [
          String(point.step + 1),
          point.label,
          point.target,
          ms(point.p99Ms),
          signedMs(point.addedP99Ms),
          whole(point.offeredPerSecond),
          whole(point.deliveredPerSecond),
          pct(point.deliveredShare),
          pct(point.targetCoreShare),
          pct(point.loadCoreShare),
          (point.verdict === "ok" ? "ok" : `**${point.verdict}**: ${point.why}`) +
            (point.retried === undefined ? "" : ` (run twice; ${point.retried})`),
        ]),
      ),
      "",
    );
    for (const knee of ramp.knees) out.push(`- **knee, ${knee.target}**: ${knee.summary}`);
    if (ramp.loadBound) out.push(`- the ramp ended at the load's limit: ${ramp.loadBound}`);
    out.push("- every step's full figures are in the D table above (the figure table's columns)");
  }
  const slow = capacity?.slowReader;
  if (slow) {
    out.push(
      "",
      `## E slow reader: 4 agents × 50 tok/s for ${slow.seconds} s → ${HEALTHY_READERS} healthy readers, alone and with one reader at ${SLOW_READER_BYTES_PER_SECOND / 1000} KB/s` +
        (slow.seconds < 120 ? ` (--quick: ${slow.seconds} s instead of BENCH.md's 120 s)` : ""),
      "",
      "Each row is a fresh target process. RSS over the load (upstream let go → the healthy readers' last frame, the " +
        "slow reader still connected), read after a full garbage collection at both ends; the ratio judges the growth end − start, the peak shows transients. The slow reader takes 1 KB off its socket every 100 ms; the rest waits in the kernel's buffers and " +
        "then in the target, or not. direct is not run: it has no readers to keep apart.",
      "",
      table(
        [
          "target",
          "slow reader",
          "healthy p50 ms",
          "healthy p99 ms",
          "events to healthy",
          "CPU µs/ev",
          "RSS MiB start/peak/end",
          "RSS growth KiB (end, peak)",
          "ELD p99 ms",
          "slow reader read",
          "events behind",
          "miss/dup/ooo/bad/text",
        ],
        slow.rows.map((row) => {
          const { counts, server } = row;
          return [
            row.target,
            row.slowReader ? "with" : "without",
            ms(row.healthyLatency.p50),
            ms(row.healthyLatency.p99),
            whole(row.healthyEvents),
            row.cpuUsPerEvent === undefined ? dash : row.cpuUsPerEvent.toFixed(1),
            `${(server.rssStartBytes / MIB).toFixed(0)} / ${(server.rssPeakBytes / MIB).toFixed(0)} / ${(server.rssEndBytes / MIB).toFixed(0)}`,
            `${whole(row.rssGrowthEndBytes / KIB)}, ${whole(row.rssGrowthPeakBytes / KIB)}`,
            server.eventLoopDelayP99Ms.toFixed(1),
            row.slow
              ? `${whole(row.slow.bytes / KIB)} KiB in ${(row.slow.elapsedMs / 1000).toFixed(0)} s${row.slow.endedEarly ? ` (ended: ${row.slow.endedEarly})` : ""}`
              : dash,
            row.slow ? whole(row.slow.eventsBehind) : dash,
            `${counts.missing}/${counts.duplicated}/${counts.outOfOrder}/${counts.corrupt}/${counts.textMismatches}${row.problems.length > 0 ? " ⚠" : ""}`,
          ];
        }),
      ),
    );
    for (const row of slow.rows.filter((r) => r.problems.length > 0))
      out.push(
        `- ⚠ ${row.target} ${row.slowReader ? "with" : "without"} the slow reader: ${row.problems.join("; ")}`,
      );
  }
  const idle = capacity?.idleReaders;
  if (idle) {
    out.push(
      "",
      `## F idle readers: N readers of one held run, heartbeat every ${idle.pingMs / 1000} s, ${idle.idleMs / 1000} s idle`,
      "",
      "Each step is a fresh target process. RSS/reader: (RSS at the end of the idle spell − RSS before the first reader) ÷ " +
        "readers, both read right after a full garbage collection in the target. Idle CPU: the target's CPU while the readers idled, per reader and second (the heartbeats). Afterwards " +
        "the run is let go and every reader must get its deltas and the end, gapless.",
      "",
      table(
        [
          "readers",
          "target",
          "attached",
          "RSS MiB before/peak/idle end",
          "RSS/reader KiB",
          "idle CPU µs/reader/s",
          "pings/reader",
          "missing δ / seq gaps",
        ],
        idle.rows.map((row) =>
          row.skipped !== undefined
            ? [whole(row.readers), row.target, `skipped: ${row.skipped}`, dash, dash, dash, dash, dash]
            : [
                whole(row.readers),
                row.target,
                whole(row.attached),
                row.server
                  ? `${(row.server.rssStartBytes / MIB).toFixed(0)} / ${(row.server.rssPeakBytes / MIB).toFixed(0)} / ${(row.server.rssEndBytes / MIB).toFixed(0)}`
                  : dash,
                row.rssPerReaderBytes === undefined ? dash : (row.rssPerReaderBytes / KIB).toFixed(1),
                row.idleCpuUsPerReaderSecond === undefined ? dash : row.idleCpuUsPerReaderSecond.toFixed(2),
                row.pingsPerReader.toFixed(1),
                `${row.missingDeltas} / ${row.seqErrors}${row.problems.length > 0 ? " ⚠" : ""}`,
              ],
        ),
      ),
    );
    for (const row of idle.rows.filter((r) => r.problems.length > 0))
      out.push(`- ⚠ ${row.target}, ${whole(row.readers)} readers: ${row.problems.join("; ")}`);
  }
  for (const note of capacity?.notes ?? []) out.push(`- ⚠ ${note}`);
  if (notRun.length > 0) out.push("", `Scenarios ${notRun.join(", ")}: not run (--only, --redis).`);
  return out.join("\n");
}
