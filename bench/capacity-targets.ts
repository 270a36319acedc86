import { Agent } from "node:http";
import type { BenchCell } from "./bench-cell.js";
import type { BenchEnv } from "./bench-env.js";
import { startChild, type ChildHandle } from "./child-rpc.js";
import type { Pinning } from "./cpu-pinning.js";
import type { EmitterRpc, TargetRpc } from "./rpc-protocol.js";
import { runCell } from "./run-cell.js";

/** The targets of scenarios D–F: the relay and the service on memory (no Redis, no peers). */
export type CapacityTarget = "raw-node" | "ours";

/** What D–F need of the run: the upstream, the pinning, the load client's pool. */
export interface CapacityContext {
  emitter: ChildHandle<EmitterRpc>;
  upstreamUrl: string;
  pinning: Pinning;
  agent: Agent;
  quick: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** One running target child and its base URL. */
export interface StartedTarget {
  child: ChildHandle<TargetRpc>;
  url: string;
}

/** A small warm-up: the code paths of a run and its readers compiled before anything is measured. */
const WARM_UP: BenchCell = {
  scenario: "D",
  label: "warm-up",
  agents: 4,
  ratePerSecond: 0,
  tokensPerAgent: 500,
  payloadBytes: 60,
  readers: 4,
  repeats: 1,
  timeoutMs: 20_000,
  targets: ["raw-node", "ours"],
  stores: ["memory"],
};

/**
 * Starts one target child (pinned to the target core) pointed at the upstream, with the shipped
 * heartbeat unless `pingIntervalMs` says otherwise, and warms it up with one small run and four
 * readers. Fresh processes keep one load's retained runs out of the next one's RSS.
 */
export async function startCapacityTarget(
  target: CapacityTarget,
  context: CapacityContext,
  pingIntervalMs?: number,
): Promise<StartedTarget> {
  const child = await startChild<TargetRpc>("./target-child.js", {
    name: target,
    ...(context.pinning.enabled ? { core: context.pinning.targetCore } : {}),
  });
  try {
    const { url } = await child.call("start", {
      kind: target,
      upstreamUrl: context.upstreamUrl,
      store: { kind: "memory" },
      ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }),
    });
    const started = { child, url };
    await withPool((agent) =>
      runCell(
        WARM_UP,
        { target, store: target === "ours" ? "memory" : undefined },
        envOf(context, new Map([[target, started]]), agent),
      ),
    );
    return started;
  } catch (error) {
    await child.close();
    throw error;
  }
}

/** The environment `runCell` expects, holding these targets, its requests on `agent`. */
export function envOf(
  context: CapacityContext,
  targets: ReadonlyMap<CapacityTarget, StartedTarget>,
  agent: Agent = context.agent,
): BenchEnv {
  return { emitter: context.emitter, upstreamUrl: context.upstreamUrl, targets, agent };
}

/**
 * Runs `load` with a connection pool of its own, destroyed after it. D, E and F keep a target
 * for many loads with pauses between them (other targets' turns), longer than the service's
 * keep-alive timeout (Node's 5 s): a shared pool would send the next load's first requests on
 * sockets the target is closing, and a reader would fail for the pool's sake, not the target's.
 */
export async function withPool<T>(load: (agent: Agent) => Promise<T>): Promise<T> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    return await load(agent);
  } finally {
    agent.destroy();
  }
}
