import { Agent } from "node:http";
import { benchAgentId } from "./bench-agent-id.js";
import { startCapacityTarget, type CapacityContext, type CapacityTarget } from "./capacity-targets.js";
import { addCounts, DeliveryLedger, emptyCounts, type DeliveryCounts } from "./delivery-ledger.js";
import { hostNow } from "./delta-text.js";
import { LatencySamples, summarizeLatency, type LatencySummary } from "./latency-samples.js";
import type { ProcessWindow } from "./process-probe.js";
import { readRunStream } from "./run-stream-reader.js";
import { startRunInBackground } from "./start-run.js";
import { openThrottledReader, type ThrottledReaderResult } from "./throttled-reader.js";

/** Healthy readers of the one run, and the slow reader's rate (BENCH.md scenario E). */
export const HEALTHY_READERS = 100;
export const SLOW_READER_BYTES_PER_SECOND = 10_000;
const AGENTS = 4;
const RATE = 50;

/** One target, with or without the slow reader. */
export interface SlowReaderRow {
  target: CapacityTarget;
  slowReader: boolean;
  /** The healthy readers' latency, every delta of every one of them. */
  healthyLatency: LatencySummary;
  /** Event frames delivered to the healthy readers, and the target's CPU per frame. */
  healthyEvents: number;
  cpuUsPerEvent: number | undefined;
  /** The target from release to the end of the healthy readers' streams. */
  server: ProcessWindow;
  /** Peak − start and end − start RSS over that window. */
  rssGrowthPeakBytes: number;
  rssGrowthEndBytes: number;
  /** The slow reader, when there was one. */
  slow: (ThrottledReaderResult & { eventsBehind: number }) | undefined;
  counts: DeliveryCounts;
  problems: string[];
}

/** Scenario E's outcome. */
export interface SlowReaderOutcome {
  seconds: number;
  rows: SlowReaderRow[];
}

/**
 * Scenario E: one run of 4 agents × 50 tokens/s for 120 s (`--quick`: 20 s) read by 100 healthy
 * readers, once alone and once with a 101st reader that takes only 10 KB/s off its socket (it
 * falls behind by megabytes: in effect a stalled client). Each load runs on a fresh target process.
 * It shows whether one slow client costs the target memory (RSS growth with it − without it) and
 * the others latency (the healthy readers' p99 with it − without it). direct is left out: it has
 * no readers to keep apart.
 */
export async function runSlowReader(context: CapacityContext): Promise<SlowReaderOutcome> {
  const seconds = context.quick ? 20 : 120;
  const rows: SlowReaderRow[] = [];
  for (const target of ["raw-node", "ours"] as const) {
    for (const slowReader of [false, true]) {
      const row = await measure(context, target, slowReader, seconds);
      rows.push(row);
      context.log(
        `E ${target.padEnd(9)} ${slowReader ? "with" : "without"} slow reader: healthy p99 ` +
          `${row.healthyLatency.p99?.toFixed(2) ?? "—"} ms, RSS +${(row.rssGrowthEndBytes / 1024).toFixed(0)} KiB ` +
          `(peak +${(row.rssGrowthPeakBytes / 1024).toFixed(0)} KiB)` +
          (row.slow
            ? `, slow reader read ${row.slow.bytes} B (${row.slow.eventsBehind} events behind)`
            : "") +
          (row.problems.length > 0 ? ` ⚠ ${row.problems.join("; ")}` : ""),
      );
    }
  }
  return { seconds, rows };
}

async function measure(
  context: CapacityContext,
  target: CapacityTarget,
  withSlow: boolean,
  seconds: number,
): Promise<SlowReaderRow> {
  const started = await startCapacityTarget(target, context);
  // A pool of its own: no socket left idle in it since an earlier load (see withPool).
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const tokens = RATE * seconds;
    const timeoutMs = seconds * 1000 + 60_000;
    await context.emitter.call("configure", {
      tokensPerAgent: tokens,
      ratePerSecond: RATE,
      payloadBytes: 60,
      hold: true,
    });
    const agentIds = Array.from({ length: AGENTS }, (_, n) => benchAgentId(n));
    const body = JSON.stringify({
      message: "bench",
      agent_ids: agentIds,
      options: { max_concurrency: AGENTS, agent_defaults: { background: false } },
    });
    const run = await startRunInBackground(`${started.url}/v1/runs`, body, agent);
    const eventsUrl = `${started.url}/v1/runs/${run.runId}/events`;
    const latencies = new LatencySamples();
    const ledgers: DeliveryLedger[] = [];
    let attached = 0;
    let allAttached: () => void = () => undefined;
    const attachedPromise = new Promise<void>((resolve) => (allAttached = resolve));
    const readers = Array.from({ length: HEALTHY_READERS }, () => {
      const ledger = new DeliveryLedger(tokens, latencies);
      ledgers.push(ledger);
      return readRunStream({
        url: eventsUrl,
        method: "GET",
        agent,
        ledger,
        timeoutMs,
        onFirstFrame: () => {
          if (++attached === HEALTHY_READERS) allAttached();
        },
      });
    });
    const slow = withSlow ? openThrottledReader(eventsUrl, SLOW_READER_BYTES_PER_SECOND) : undefined;
    const problems: string[] = [];
    const deadline = (ms: number) =>
      new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
    const ready = await Promise.race([
      Promise.all([attachedPromise, slow?.attached]).then(() => true),
      deadline(30_000),
    ]);
    if (!ready) problems.push(`only ${attached} of ${HEALTHY_READERS} healthy readers attached in time`);

    // RSS read after a full collection at both ends: the growth is what the target holds, not
    // where its garbage collector happened to be (its heap grows with the run log either way).
    await started.child.call("gc", null);
    await started.child.call("probe-begin", null);
    const releasedAt = hostNow();
    await context.emitter.call("release", null);
    const results = await Promise.all(readers.map((reader) => reader.done));
    await started.child.call("gc", null);
    const server = await started.child.call("probe-end", null);
    const slowResult = slow?.stop();
    const { streams } = await context.emitter.call("digests", null);
    const sent = new Map(
      streams.map((stream) => [stream.agentId, { sha1: stream.sha1, tokens: stream.tokens }]),
    );
    const counts = emptyCounts();
    for (const ledger of ledgers) addCounts(counts, ledger.counts(sent));
    for (const result of results) {
      if (result.error !== undefined) problems.push(`healthy reader: ${result.error}`);
      else if (result.runStatus !== "completed")
        problems.push(`run ended ${result.runStatus ?? "without run.completed"}`);
      if (result.seqErrors > 0) problems.push(`healthy reader saw ${result.seqErrors} seq gaps`);
    }
    if (slowResult && slowResult.seqErrors > 0)
      problems.push(`slow reader saw ${slowResult.seqErrors} seq gaps`);
    if (slowResult && slowResult.status !== 200) problems.push(`slow reader got HTTP ${slowResult.status}`);
    const healthyEvents = results.reduce((sum, result) => sum + result.frames, 0);
    const totalFrames = Math.max(0, ...results.map((result) => result.frames));
    const lastFrameAt = Math.max(...results.map((result) => result.lastFrameAt ?? releasedAt));
    if (lastFrameAt - releasedAt > seconds * 1000 * 1.1)
      problems.push(
        `the healthy readers took ${((lastFrameAt - releasedAt) / 1000).toFixed(1)} s for a ${seconds} s load`,
      );
    return {
      target,
      slowReader: withSlow,
      healthyLatency: summarizeLatency(latencies),
      healthyEvents,
      cpuUsPerEvent: healthyEvents > 0 ? server.cpuUs / healthyEvents : undefined,
      server,
      rssGrowthPeakBytes: server.rssPeakBytes - server.rssStartBytes,
      rssGrowthEndBytes: server.rssEndBytes - server.rssStartBytes,
      slow: slowResult && { ...slowResult, eventsBehind: Math.max(0, totalFrames - slowResult.frames) },
      counts,
      problems: [...new Set(problems)],
    };
  } finally {
    agent.destroy();
    await started.child.close();
  }
}
