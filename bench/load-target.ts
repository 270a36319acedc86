import type { BenchCell, TargetName } from "./bench-cell.js";
import { benchAgentId } from "./bench-agent-id.js";
import type { BenchEnv } from "./bench-env.js";
import { DeliveryLedger } from "./delivery-ledger.js";
import { hostNow } from "./delta-text.js";
import type { LatencySamples } from "./latency-samples.js";
import type { LoadOutcome } from "./load-outcome.js";
import { readRunStream, type RunStreamResult } from "./run-stream-reader.js";
import { startRunInBackground } from "./start-run.js";

/** Full readers at most per cell: beyond, readers count frames and check seq only (client CPU). */
const MAX_FULL_READERS = 50;

/**
 * raw-node and ours. No readers in the cell: the run's own stream (POST, Accept SSE). Readers:
 * start the run in the background (202), attach every reader to GET /v1/runs/{id}/events while
 * the upstream holds its streams, then release them, so every reader sees the deltas live.
 */
export async function loadTarget(
  cell: BenchCell,
  target: TargetName,
  url: string,
  env: BenchEnv,
  latencies: LatencySamples,
): Promise<LoadOutcome> {
  const encoding = target === "ours+gzip" ? "gzip" : target === "ours+br" ? "br" : undefined;
  const agentIds = Array.from({ length: cell.agents }, (_, n) => benchAgentId(n));
  const body = JSON.stringify({
    message: "bench",
    agent_ids: agentIds,
    // Foreground streams: the emitter has no background mode, and `"auto"` would spend one
    // refused request per agent (503) before falling back, which is not what Letta Cloud does.
    options: { max_concurrency: cell.agents, agent_defaults: { background: false } },
  });
  const problems: string[] = [];
  const ledgers: DeliveryLedger[] = [];
  const ledgerFor = (index: number, readers: number) => {
    const step = Math.max(1, Math.ceil(readers / (cell.fullReaders ?? MAX_FULL_READERS)));
    if (index % step !== 0) return undefined;
    const ledger = new DeliveryLedger(cell.tokensPerAgent, latencies);
    ledgers.push(ledger);
    return ledger;
  };
  let results: RunStreamResult[];
  let light: boolean[];
  let startedAt: number;
  let releasedAt: number | undefined;
  if (cell.readers === 0) {
    const ledger = ledgerFor(0, 1);
    const reader = readRunStream({
      url: `${url}/v1/runs`,
      method: "POST",
      body,
      ...(encoding ? { encoding } : {}),
      agent: env.agent,
      ...(ledger ? { ledger } : {}),
      timeoutMs: cell.timeoutMs,
    });
    results = [await reader.done];
    light = [false];
    startedAt = results[0]?.sentAt ?? 0;
  } else {
    const started = await startRunInBackground(`${url}/v1/runs`, body, env.agent);
    startedAt = started.sentAt;
    let attached = 0;
    let allAttached: () => void = () => undefined;
    const attachedPromise = new Promise<void>((resolve) => (allAttached = resolve));
    light = [];
    const readers = Array.from({ length: cell.readers }, (_, index) => {
      const ledger = ledgerFor(index, cell.readers);
      light.push(ledger === undefined);
      return readRunStream({
        url: `${url}/v1/runs/${started.runId}/events`,
        method: "GET",
        ...(encoding ? { encoding } : {}),
        agent: env.agent,
        ...(ledger ? { ledger } : {}),
        timeoutMs: cell.timeoutMs,
        onFirstFrame: () => {
          if (++attached === cell.readers) allAttached();
        },
      });
    });
    const attachTimeout = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), cell.timeoutMs).unref(),
    );
    const ok = await Promise.race([attachedPromise.then(() => true), attachTimeout]);
    if (!ok) problems.push(`only ${attached} of ${cell.readers} readers attached in time`);
    releasedAt = hostNow();
    await env.emitter.call("release", null);
    results = await Promise.all(readers.map((reader) => reader.done));
  }
  for (const result of results) problems.push(...readerProblems(result));
  const expectedPerReader = cell.agents * cell.tokensPerAgent;
  let lightMissing = 0;
  let lightExtra = 0;
  results.forEach((result, index) => {
    if (!light[index]) return;
    lightMissing += Math.max(0, expectedPerReader - result.deltas);
    lightExtra += Math.max(0, result.deltas - expectedPerReader);
  });
  const first = results[0];
  return {
    problems,
    deliveredEvents: results.reduce((sum, result) => sum + result.frames, 0),
    deliveredDeltas: results.reduce((sum, result) => sum + result.deltas, 0),
    bytes: results.reduce((sum, result) => sum + result.bytes, 0),
    startedAt,
    ...(releasedAt === undefined ? {} : { releasedAt }),
    endedAt: Math.max(...results.map((result) => result.lastFrameAt ?? startedAt)),
    ttfe:
      cell.readers === 0 && first?.firstDeltaAt !== undefined ? first.firstDeltaAt - first.sentAt : undefined,
    ledgers,
    lightMissing,
    lightExtra,
  };
}

function readerProblems(result: RunStreamResult): string[] {
  const problems: string[] = [];
  if (result.error !== undefined) problems.push(`reader: ${result.error}`);
  if (result.status !== 200) problems.push(`reader got HTTP ${result.status}`);
  if (result.seqErrors > 0) problems.push(`reader saw ${result.seqErrors} seq gaps`);
  if (result.errorFrames > 0) problems.push("reader got an error frame");
  if (result.error === undefined && result.runStatus !== "completed") {
    problems.push(`run ended ${result.runStatus ?? "without run.completed"}`);
  }
  return problems;
}
