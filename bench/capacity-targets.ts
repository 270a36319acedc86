import type { Agent } from "node:http";
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
    const env = envOf(context, new Map([[target, started]]));
    await runCell(WARM_UP, { target, store: target === "ours" ? "memory" : undefined }, env);
    return started;
  } catch (error) {
    await child.close();
    throw error;
  }
}

/** The environment `runCell` expects, holding these targets. */
export function envOf(
  context: CapacityContext,
  targets: ReadonlyMap<CapacityTarget, StartedTarget>,
): BenchEnv {
  return {
    emitter: context.emitter,
    upstreamUrl: context.upstreamUrl,
    targets: targets,
    agent: context.agent,
  };
}
