import type { BenchCell, CellRun } from "./bench-cell.js";
import type { BenchEnv } from "./bench-env.js";
import type { CellResult } from "./cell-result.js";
import { addCounts, emptyCounts } from "./delivery-ledger.js";
import type { StreamDigest } from "./emit-plan.js";
import { LatencySamples, summarizeLatency } from "./latency-samples.js";
import { loadDirect } from "./load-direct.js";
import { loadTarget } from "./load-target.js";
import { isPassthrough, peerProcess } from "./peers/peer-targets.js";
import type { ProcessWindow } from "./process-probe.js";

/**
 * Runs `cell` against a target (the service on a given store) and measures it: the upstream's and
 * the target's process windows around the whole load, the client's CPU, latency and TTFE from the
 * readers, the correctness counters against the upstream's own digests of what it sent, and what
 * the service's store did (counted outside the target's CPU window).
 */
export async function runCell(
  cell: BenchCell,
  { target, store }: CellRun,
  env: BenchEnv,
): Promise<CellResult> {
  const server =
    target === "direct"
      ? undefined
      : env.targets.get(
          target === "raw-node"
            ? "raw-node"
            : (peerProcess(target) ?? (store === "redis" ? "ours+redis" : "ours")),
        );
  if (target !== "direct" && !server)
    throw new Error(`target ${target} (${store ?? "no"} store) is not running`);
  const service = store === undefined ? undefined : server;
  const latencies = new LatencySamples();
  const ttfes = new LatencySamples();
  const counts = emptyCounts();
  const problems: string[] = [];
  let deliveredEvents = 0;
  let deliveredDeltas = 0;
  let bytes = 0;
  let wallMs = 0;
  let loadMs = 0;
  let upstreamDeltas = 0;
  let fullReaders = 0;

  await service?.child.call("store-begin", null);
  await env.emitter.call("probe-begin", null);
  await server?.child.call("probe-begin", null);
  const clientCpu = process.cpuUsage();
  for (let repeat = 0; repeat < cell.repeats; repeat++) {
    const held = cell.readers > 0 && target !== "direct";
    await env.emitter.call("configure", {
      tokensPerAgent: cell.tokensPerAgent,
      ratePerSecond: cell.ratePerSecond,
      payloadBytes: cell.payloadBytes,
      hold: held,
    });
    // A passthrough peer (nginx, fastapi-pass) is read exactly as direct reads the upstream.
    const outcome = !server
      ? await loadDirect(cell, env, latencies)
      : isPassthrough(target)
        ? await loadDirect(cell, { ...env, upstreamUrl: server.url }, latencies)
        : await loadTarget(cell, target, server.url, env, latencies);
    const { streams, deltas } = await env.emitter.call("digests", null);
    upstreamDeltas += deltas;
    problems.push(...outcome.problems, ...checkDigests(cell, streams));
    const sent = sentByAgent(streams);
    for (const ledger of outcome.ledgers) addCounts(counts, ledger.counts(sent));
    counts.missing += outcome.lightMissing;
    counts.duplicated += outcome.lightExtra;
    deliveredEvents += outcome.deliveredEvents;
    deliveredDeltas += outcome.deliveredDeltas;
    bytes += outcome.bytes;
    wallMs += outcome.endedAt - outcome.startedAt;
    loadMs += outcome.endedAt - (outcome.releasedAt ?? outcome.startedAt);
    fullReaders = outcome.ledgers.length;
    if (outcome.ttfe !== undefined) ttfes.add(outcome.ttfe);
  }
  const clientCpuUs = cpuUs(process.cpuUsage(clientCpu));
  const serverWindow: ProcessWindow | undefined = await server?.child.call("probe-end", null);
  const upstream = await env.emitter.call("probe-end", null);
  const storeWindow = (await service?.child.call("store-end", null)) ?? undefined;

  const readers = target === "direct" ? 1 : Math.max(1, cell.readers);
  return {
    scenario: cell.scenario,
    cell: cell.label,
    target,
    store,
    problems: [...new Set(problems)],
    readers,
    fullReaders,
    deliveredEvents,
    deliveredDeltas,
    wallMs,
    loadMs,
    eventsPerSecond: wallMs > 0 ? (deliveredEvents / wallMs) * 1000 : 0,
    latency: summarizeLatency(latencies),
    ttfe: ttfes.count > 0 ? summarizeLatency(ttfes) : undefined,
    server: serverWindow,
    serverCpuUsPerEvent:
      serverWindow && deliveredEvents > 0 ? serverWindow.cpuUs / deliveredEvents : undefined,
    rssPerReaderBytes:
      serverWindow && readers > 1
        ? (serverWindow.rssPeakBytes - serverWindow.rssStartBytes) / readers
        : undefined,
    upstream,
    upstreamDeltas,
    upstreamCpuUsPerDelta: upstreamDeltas > 0 ? upstream.cpuUs / upstreamDeltas : undefined,
    clientCpuUsPerEvent: deliveredEvents > 0 ? clientCpuUs / deliveredEvents : undefined,
    bytes,
    bytesPerEvent: deliveredEvents > 0 ? bytes / deliveredEvents : undefined,
    counts,
    storeWindow,
  };
}

function checkDigests(cell: BenchCell, streams: readonly StreamDigest[]): string[] {
  const problems: string[] = [];
  const perAgent = new Map<string, number>();
  for (const stream of streams) perAgent.set(stream.agentId, (perAgent.get(stream.agentId) ?? 0) + 1);
  if (perAgent.size !== cell.agents) problems.push(`upstream saw ${perAgent.size} of ${cell.agents} agents`);
  const repeated = [...perAgent.values()].filter((n) => n > 1).length;
  if (repeated > 0) problems.push(`${repeated} agents were requested more than once upstream`);
  const aborted = streams.filter((stream) => stream.aborted).length;
  if (aborted > 0) problems.push(`${aborted} upstream streams were aborted`);
  return problems;
}

function sentByAgent(streams: readonly StreamDigest[]): Map<string, { sha1: string; tokens: number }> {
  return new Map(streams.map((stream) => [stream.agentId, { sha1: stream.sha1, tokens: stream.tokens }]));
}

function cpuUs(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}
