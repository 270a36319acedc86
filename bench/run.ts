import { execFileSync } from "node:child_process";
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { cellRuns, type BenchCell, type Scenario } from "./bench-cell.js";
import { benchGrid } from "./bench-grid.js";
import { benchRatios } from "./bench-ratios.js";
import { calibrateUpstreams, type UpstreamCalibration } from "./calibrate-upstreams.js";
import { capacityCells, runCapacityScenarios, type CapacityResults } from "./capacity-scenarios.js";
import type { CellResult } from "./cell-result.js";
import { startChild } from "./child-rpc.js";
import { parseBenchArgs, type BenchOptions } from "./cli-options.js";
import { pinLoadProcess, type Pinning } from "./cpu-pinning.js";
import { describeResult } from "./describe-result.js";
import { readHostCpu } from "./host-cpu.js";
import { renderCapacity } from "./render-capacity.js";
import { renderChart } from "./render-chart.js";
import { renderReport, type BenchMeta } from "./render-report.js";
import {
  benchFolderOf,
  chartFileName,
  loadAverageText,
  writeChart,
  writeResultsFile,
} from "./results-file.js";
import type { EmitterRpc } from "./rpc-protocol.js";
import type { BenchEnv } from "./bench-env.js";
import {
  findRedisServer,
  killRedisServersNow,
  startRedisServer,
  type RedisServerHandle,
} from "./redis-server.js";
import { preparePeers, startPeers, targetRunning } from "./peers/peer-targets.js";
import { runCell } from "./run-cell.js";
import { startTargets, stopTargets } from "./start-targets.js";
import { writeResults } from "./write-results.js";

/**
 * `npm run bench [-- --quick] [-- --only A,B] [-- --redis | --no-redis] [-- --results]`: BENCH.md's
 * scenarios A, B and C (with G), then D, E and F (capacity-scenarios.ts), for the targets direct,
 * raw-node and ours (on memory, and in three cells also on a Redis store), one after another on the
 * same load; prints the figures and the ratio table and writes both to bench/results/, with a chart
 * (and with `--results`, bench/RESULTS.md). See bench/README.md.
 */
const WARM_UP: BenchCell = {
  scenario: "A",
  label: "warm-up",
  agents: 4,
  ratePerSecond: 0,
  tokensPerAgent: 1000,
  payloadBytes: 60,
  readers: 0,
  repeats: 2,
  timeoutMs: 20_000,
  targets: ["raw-node", "nginx", "fastapi", "ours"],
  stores: ["memory", "redis"],
};

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return "unknown";
  }
}

async function main(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  const pinning = pinLoadProcess();
  const cells = benchGrid(options);
  const scenarios = (["A", "B", "C"] as const).filter((scenario) => options.only.has(scenario));
  process.stderr.write(`bench: ${cells.length} cells, ${pinning.note}\n`);
  const notes: string[] = [];
  const loadAtStart = loadavg();
  const hostAtStart = readHostCpu();
  notes.push(`load average (1, 5, 15 min) at the start: ${loadAverageText(loadAtStart)}`);
  const redis = await startRedis(options, cells, pinning, notes);
  const peers = preparePeers(cells, notes);

  const emitter = await startChild<EmitterRpc>("./emitter-child.js", {
    name: "upstream",
    ...(pinning.enabled ? { core: pinning.loadCore } : {}),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const results: CellResult[] = [];
  let calibration: UpstreamCalibration[] = [];
  let capacity: CapacityResults | undefined;
  try {
    const { url: upstreamUrl } = await emitter.call("start", null);
    try {
      calibration = await calibrateUpstreams({
        emitter,
        emitterUrl: upstreamUrl,
        pinning,
        agent,
      });
    } catch (error) {
      notes.push(`upstream calibration failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const scenario of scenarios) {
      const scenarioCells = cells.filter((cell) => cell.scenario === scenario);
      if (scenarioCells.length === 0) continue;
      const redisHere = redis !== undefined && scenarioCells.some((cell) => cell.stores.includes("redis"));
      const targets = await startTargets(
        upstreamUrl,
        pinning,
        redisHere ? { url: redis.url, prefix: `bench-${scenario}:` } : undefined,
      );
      await startPeers(targets, peers, scenarioCells, upstreamUrl, pinning, notes);
      const runs = (cell: BenchCell) =>
        cellRuns(cell, redisHere).filter((run) => targetRunning(run, targets));
      const env: BenchEnv = { emitter, upstreamUrl, targets, agent };
      let current = `${scenario} warm-up`;
      try {
        for (const run of runs(WARM_UP)) await runCell(WARM_UP, run, env);
        for (const cell of scenarioCells) {
          for (const run of runs(cell)) {
            current = `${scenario} ${cell.label} / ${run.target}${run.store === "redis" ? " on redis" : ""}`;
            const result = await runCell(cell, run, env);
            results.push(result);
            process.stderr.write(`${describeResult(result)}\n`);
          }
        }
      } catch (error) {
        // A crashed child or a stuck call ends this scenario, not the run: the rest still reports.
        const message = `${current} failed, rest of scenario ${scenario} skipped: ${error instanceof Error ? error.message : String(error)}`;
        notes.push(message);
        process.stderr.write(`⚠ ${message}\n`);
      } finally {
        await stopTargets(targets);
      }
    }
    if (
      !options.storeCellsOnly &&
      (["D", "E", "F"] as const).some((scenario) => options.only.has(scenario))
    ) {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      capacity = await runCapacityScenarios(options.only, {
        emitter,
        upstreamUrl,
        pinning,
        agent,
        quick: options.quick,
        log,
      });
      results.push(...capacityCells(capacity));
    }
  } finally {
    agent.destroy();
    await emitter.close();
    await redis?.stop();
  }

  const meta: BenchMeta = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    commit: commit(),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cores: cpus().length,
    pinning: pinning.note,
    quick: options.quick,
    scenarios: [...scenarios, ...(capacity?.ran ?? [])] as Scenario[],
    upstream: "bench Letta emitter (letta-wire.md §2 format, timestamped deltas), own process",
    notes: [
      "lat: host-clock send → receive per delta (full readers); +p50/+p99: over direct in the same cell",
      "CPU µs/ev: target process utime+stime ÷ events delivered to all readers; (in brackets) for direct: the load client's own",
      "miss/dup/ooo/bad/text: missing, duplicated, out-of-order, corrupt deltas, agents whose text differs (must all be 0); ⚠ = problems listed below",
      "store: where the service keeps its run logs; redis = Redis Streams store on a redis-server of the bench's own (see the store table)",
      ...notes,
    ],
  };
  const ratios = benchRatios(results, options.quick, capacity);
  const chartFile = chartFileName(startedAt);
  const markdown = renderReport(meta, calibration, results, ratios, renderCapacity(capacity, chartFile));
  const paths = await writeResults(startedAt, { meta, calibration, results, ratios, capacity }, markdown);
  const title = `letta-fanout bench — ${meta.startedAt}${meta.quick ? " (quick)" : ""}, commit ${meta.commit}`;
  const svg = renderChart(title, ratios, capacity?.ramp);
  const chart = await writeChart(paths.markdown, svg);
  process.stdout.write(
    `${markdown}\nresults: ${paths.markdown}\n         ${paths.json}\n         ${chart}\n`,
  );
  if (options.results) {
    const written = await writeResultsFile({
      markdown,
      chartFile,
      svg,
      startedAt: meta.startedAt,
      commit: meta.commit,
      quick: options.quick,
      loadAtStart,
      hostAtStart,
      pinning: pinning.note,
      benchFolder: benchFolderOf(paths.markdown),
    });
    process.stdout.write(`         ${written.markdown}\n         ${written.svg}\n`);
  }
}

/**
 * Starts the bench's own redis-server when some cell runs the service on Redis: pinned with the
 * load and the upstream (Redis stands in for another machine, so the service keeps its core to
 * itself). Without redis-server, or with `--no-redis`, the Redis rows are left out and a note
 * says why.
 */
async function startRedis(
  options: BenchOptions,
  cells: readonly BenchCell[],
  pinning: Pinning,
  notes: string[],
): Promise<RedisServerHandle | undefined> {
  if (!cells.some((cell) => cell.stores.includes("redis"))) return undefined;
  const skip = (why: string) => {
    const note = `store redis: rows skipped, ${why}`;
    notes.push(note);
    process.stderr.write(`⚠ ${note}\n`);
    return undefined;
  };
  if (options.noRedis) return skip("--no-redis");
  const found = findRedisServer();
  if ("missing" in found) return skip(found.missing);
  try {
    const redis = await startRedisServer({
      binary: found.path,
      ...(pinning.enabled ? { core: pinning.loadCore } : {}),
    });
    // An interrupted bench takes its Redis with it, then dies of the signal as it would have.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        killRedisServersNow();
        process.kill(process.pid, signal);
      });
    }
    notes.push(
      `store redis: ${found.path} (pid ${redis.pid ?? "?"}) at ${redis.url}, no persistence` +
        (pinning.enabled ? `, pinned to core ${pinning.loadCore} with the load and the upstream` : ""),
    );
    return redis;
  } catch (error) {
    return skip(`redis-server did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
main(options).catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
