import { writeFile } from "node:fs/promises";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { otherCpuShare, type HostCpu } from "./host-cpu.js";

/** Load average at the start above which a run is "on a busy machine". */
export const BUSY_LOAD = 1.5;
/** Share of the host's CPU used by other processes during the run above which it is "busy". */
export const BUSY_OTHERS = 0.15;

/** The chart's file name next to the report of a run started at `startedAt`. */
export function chartFileName(startedAt: Date): string {
  return `${startedAt.toISOString().replace(/[:.]/g, "-")}.svg`;
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export function loadAverageText(load: readonly number[] = loadavg()): string {
  return load.map((value) => value.toFixed(2)).join(", ");
}

/** Writes the chart next to the report at `markdownPath` (same name, `.svg`); returns its path. */
export async function writeChart(markdownPath: string, svg: string): Promise<string> {
  const path = markdownPath.replace(/\.md$/, ".svg");
  await writeFile(path, svg);
  return path;
}

/** What `--results` needs to write bench/RESULTS.md. */
export interface ResultsFileInput {
  /** The run's report, with the chart linked as `chartFile`. */
  markdown: string;
  chartFile: string;
  svg: string;
  startedAt: string;
  commit: string;
  quick: boolean;
  /** Load averages when the run started (the end's are read now). */
  loadAtStart: readonly number[];
  /** The host's CPU when the run started, to tell how much other processes used during it. */
  hostAtStart: HostCpu | undefined;
  pinning: string;
  /** bench/ in the package (where README.md is). */
  benchFolder: string;
}

/**
 * Writes `bench/RESULTS.md` and `bench/RESULTS.svg` (`npm run bench -- --results`): the date,
 * commit and machine, a warning when the run was quick or the machine busy, the chart, and the
 * whole report with its headings one level down. The Markdown goes through prettier when it is
 * installed (a devDependency), so `npm run format:check` passes on the committed file.
 */
export async function writeResultsFile(input: ResultsFileInput): Promise<{ markdown: string; svg: string }> {
  const loadAtEnd = loadavg();
  const others = otherCpuShare(input.hostAtStart);
  const busyAtStart = (input.loadAtStart[0] ?? 0) >= BUSY_LOAD;
  const othersShare = others ?? 0;
  const busyDuring = othersShare >= BUSY_OTHERS;
  const busy = busyAtStart || busyDuring;
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const out: string[] = [
    "# Bench results",
    "",
    `The latest run of \`npm run bench${input.quick ? " -- --quick" : ""}\` written here by \`--results\` ` +
      "(see [README.md](README.md) for what each figure means). Generated; do not edit by hand.",
    "",
    `- date: ${input.startedAt}`,
    `- commit: ${input.commit}`,
    `- machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; ${input.pinning}`,
    `- load average (1, 5, 15 min): ${loadAverageText(input.loadAtStart)} at the start, ${loadAverageText(loadAtEnd)} at the end (which counts the bench's own processes)`,
    `- other processes used ${others === undefined ? "an unknown share" : `${Math.round(others * 100)} %`} of the machine's CPU during the run (/proc/stat less the bench's own processes)`,
    "",
  ];
  if (input.quick || busy) {
    const what = `${input.quick ? "a `--quick` run (shorter loads, fewer cells and steps)" : "a full run"}${busy ? " on a busy machine" : ""}`;
    const why = [
      busyAtStart ? `the load average was ${(input.loadAtStart[0] ?? 0).toFixed(2)} when it started` : "",
      busyDuring ? `other processes took ${Math.round(othersShare * 100)} % of the CPU while it ran` : "",
    ]
      .filter(Boolean)
      .join(", and ");
    out.push(
      `> **This is ${what}.** Its figures are indicative only${busy ? `: ${why}, so latency and CPU figures carry that noise` : ""}. ` +
        `Regenerate with \`npm run bench -- --results\` on a quiet machine (load average below ${BUSY_LOAD}, nothing else running).`,
      "",
    );
  }
  out.push("![Ratios against their targets, and the capacity ramp](RESULTS.svg)", "");
  const report = input.markdown
    .replaceAll(`(${input.chartFile})`, "(RESULTS.svg)")
    // The chart is shown once, above.
    .replace(/^!\[[^\]]*\]\(RESULTS\.svg\)\n\n?/m, "")
    .replace(/^(#+) /gm, "#$1 ");
  out.push(report);
  let markdown = out.join("\n");
  try {
    const prettier = await import("prettier");
    markdown = await prettier.format(markdown, { parser: "markdown", printWidth: 110 });
  } catch {
    // prettier is a devDependency; without it the file is still valid Markdown.
  }
  const paths = {
    markdown: join(input.benchFolder, "RESULTS.md"),
    svg: join(input.benchFolder, "RESULTS.svg"),
  };
  await writeFile(paths.markdown, markdown);
  await writeFile(paths.svg, input.svg);
  return paths;
}

/** bench/ of the package, from the path of a report in bench/results/. */
export function benchFolderOf(reportPath: string): string {
  return dirname(dirname(reportPath));
}
