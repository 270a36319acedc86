import { startChild, type ChildHandle } from "./child-rpc.js";
import type { Pinning } from "./cpu-pinning.js";
import type { PeerProcess } from "./peers/peer-targets.js";
import type { TargetKind, TargetRpc, TargetStore } from "./rpc-protocol.js";

/** A target process: the raw-node relay, the service on memory or on Redis, or a peer (nginx, fastapi). */
export type TargetProcess = "raw-node" | "ours" | "ours+redis" | PeerProcess;

/** The running target children, by process. */
export type RunningTargets = Map<TargetProcess, { child: ChildHandle<TargetRpc>; url: string }>;

/**
 * Starts the raw-node relay and the service, each in its own process pinned to the target core,
 * all pointed at the upstream; with `redis`, also the service on a Redis store under `prefix`.
 * Fresh processes per scenario keep one scenario's retained runs out of the next one's RSS.
 */
export async function startTargets(
  upstreamUrl: string,
  pinning: Pinning,
  redis?: { url: string; prefix: string },
): Promise<RunningTargets> {
  const targets: RunningTargets = new Map();
  const wanted: [TargetProcess, TargetKind, TargetStore][] = [
    ["raw-node", "raw-node", { kind: "memory" }],
    ["ours", "ours", { kind: "memory" }],
  ];
  if (redis) wanted.push(["ours+redis", "ours", { kind: "redis", ...redis }]);
  try {
    for (const [name, kind, store] of wanted) {
      const child = await startChild<TargetRpc>("./target-child.js", {
        name,
        ...(pinning.enabled ? { core: pinning.targetCore } : {}),
      });
      targets.set(name, { child, url: "" });
      const { url } = await child.call("start", { kind, upstreamUrl, store });
      targets.set(name, { child, url });
    }
  } catch (error) {
    await stopTargets(targets);
    throw error;
  }
  return targets;
}

/** Ends every target child. */
export async function stopTargets(targets: RunningTargets): Promise<void> {
  await Promise.all([...targets.values()].map(({ child }) => child.close()));
  targets.clear();
}
