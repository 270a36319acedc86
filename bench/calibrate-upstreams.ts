import type { Agent } from "node:http";
import type { SimAgentSpec } from "../src/simulator/index.js";
import { startChild, type ChildHandle } from "./child-rpc.js";
import type { Pinning } from "./cpu-pinning.js";
import { readLettaStream } from "./letta-stream-reader.js";
import type { EmitterRpc, ProbeRpc, SimulatorRpc } from "./rpc-protocol.js";
import { benchAgentId } from "./bench-agent-id.js";

/** One upstream on one load, read by the direct client. */
export interface UpstreamCalibration {
  upstream: "emitter" | "simulator";
  load: string;
  deltas: number;
  /** The upstream process's utime+stime per delta it sent, µs. */
  cpuUsPerDelta: number;
  deltasPerSecond: number;
  problems: string[];
}

interface Load {
  label: string;
  agents: number;
  /** 0 = as fast as possible. */
  rate: number;
  tokens: number;
}

/** ~5.5 characters per simulator token (tokenize.ts: a word and its whitespace, ≤ 8 chars). */
const CHARS_PER_SIM_TOKEN = 5.5;

/** Agent ids of load number `index`, distinct between loads so one simulator serves both. */
const loadAgentIds = (index: number, load: Load) =>
  Array.from({ length: load.agents }, (_, n) => benchAgentId(index * 100_000 + n));

async function measure(
  probe: ChildHandle<ProbeRpc>,
  url: string,
  agentIds: readonly string[],
  agent: Agent,
): Promise<Omit<UpstreamCalibration, "upstream" | "load">> {
  await probe.call("probe-begin", null);
  const results = await Promise.all(
    agentIds.map((agentId) => readLettaStream({ upstreamUrl: url, agentId, agent, timeoutMs: 30_000 })),
  );
  const window = await probe.call("probe-end", null);
  const deltas = results.reduce((sum, result) => sum + result.deltas, 0);
  const problems = results.flatMap((result) =>
    result.error !== undefined ? [result.error] : result.status !== 200 ? [`HTTP ${result.status}`] : [],
  );
  return {
    deltas,
    cpuUsPerDelta: deltas > 0 ? window.cpuUs / deltas : 0,
    deltasPerSecond: window.wallMs > 0 ? (deltas / window.wallMs) * 1000 : 0,
    problems: [...new Set(problems)],
  };
}

/**
 * BENCH.md's calibration: the upstream's own CPU per event must be far below the targets'. Runs
 * the bench emitter and the project's simulator (in its own process, pinned like the emitter) on
 * the same two loads, read by the direct client, so the report shows both, and why the bench
 * uses the emitter (its deltas carry send times; the simulator's text is scripted).
 */
export async function calibrateUpstreams(options: {
  emitter: ChildHandle<EmitterRpc>;
  emitterUrl: string;
  pinning: Pinning;
  agent: Agent;
}): Promise<UpstreamCalibration[]> {
  const loads: Load[] = [
    { label: "1 agent, as fast as possible", agents: 1, rate: 0, tokens: 20_000 },
    // One second of paced load: enough to show the cost per wake-up, short enough for --quick.
    { label: "100 agents × 50 tok/s", agents: 100, rate: 50, tokens: 50 },
  ];
  const out: UpstreamCalibration[] = [];
  for (const [index, load] of loads.entries()) {
    await options.emitter.call("configure", {
      tokensPerAgent: load.tokens,
      ratePerSecond: load.rate,
      payloadBytes: 60,
      hold: false,
    });
    const emitted = await measure(
      options.emitter,
      options.emitterUrl,
      loadAgentIds(index, load),
      options.agent,
    );
    out.push({ upstream: "emitter", load: load.label, ...emitted });
  }
  const simulator = await startChild<SimulatorRpc>("./simulator-child.js", {
    name: "simulator",
    ...(options.pinning.enabled ? { core: options.pinning.loadCore } : {}),
  });
  try {
    const agents: SimAgentSpec[] = loads.flatMap((load, index) =>
      loadAgentIds(index, load).map((id, n) => ({
        id,
        name: `bench ${index}.${n}`,
        generate: { chars: Math.round(load.tokens * CHARS_PER_SIM_TOKEN), seed: n + 1 },
        speed: { ttft_ms: 0, tokens_per_second: load.rate, chunk_tokens: 1 },
      })),
    );
    const { url } = await simulator.call("start", { agents });
    for (const [index, load] of loads.entries()) {
      const simulated = await measure(simulator, url, loadAgentIds(index, load), options.agent);
      out.push({ upstream: "simulator", load: load.label, ...simulated });
    }
  } finally {
    await simulator.close();
  }
  return out;
}
