import type { BenchCell } from "./bench-cell.js";
import { benchAgentId } from "./bench-agent-id.js";
import type { BenchEnv } from "./bench-env.js";
import { DeliveryLedger } from "./delivery-ledger.js";
import type { LatencySamples } from "./latency-samples.js";
import { readLettaStream } from "./letta-stream-reader.js";
import type { LoadOutcome } from "./load-outcome.js";

/** `direct`: the client opens every agent's upstream stream itself and merges them in one ledger. */
export async function loadDirect(
  cell: BenchCell,
  env: BenchEnv,
  latencies: LatencySamples,
): Promise<LoadOutcome> {
  const ledger = new DeliveryLedger(cell.tokensPerAgent, latencies);
  const agentIds = Array.from({ length: cell.agents }, (_, n) => benchAgentId(n));
  const results = await Promise.all(
    agentIds.map((agentId) =>
      readLettaStream({
        upstreamUrl: env.upstreamUrl,
        agentId,
        agent: env.agent,
        ledger,
        timeoutMs: cell.timeoutMs,
      }),
    ),
  );
  const problems: string[] = [];
  for (const result of results) {
    if (result.error !== undefined) problems.push(`upstream stream: ${result.error}`);
    else if (result.status !== 200) problems.push(`upstream answered ${result.status}`);
    else if (!result.sawDone) problems.push("upstream stream ended without [DONE]");
  }
  const startedAt = Math.min(...results.map((result) => result.sentAt));
  const firstDelta = Math.min(...results.map((result) => result.firstDeltaAt ?? Infinity));
  return {
    problems,
    deliveredEvents: results.reduce((sum, result) => sum + result.frames, 0),
    deliveredDeltas: results.reduce((sum, result) => sum + result.deltas, 0),
    bytes: results.reduce((sum, result) => sum + result.bytes, 0),
    startedAt,
    endedAt: Math.max(...results.map((result) => result.lastFrameAt ?? startedAt)),
    // In C the targets' streams are held until every reader attached, so no TTFE to compare with.
    ttfe: Number.isFinite(firstDelta) && cell.readers === 0 ? firstDelta - startedAt : undefined,
    ledgers: [ledger],
    lightMissing: 0,
    lightExtra: 0,
  };
}
