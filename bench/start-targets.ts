import { startChild, type ChildHandle } from "./child-rpc.js";
import type { Pinning } from "./cpu-pinning.js";
import type { TargetKind, TargetRpc } from "./rpc-protocol.js";

/** The running target children, by kind. */
export type RunningTargets = Map<TargetKind, { child: ChildHandle<TargetRpc>; url: string }>;

/**
 * Starts the raw-node relay and the service, each in its own process pinned to the target core,
 * both pointed at the upstream. Fresh processes per scenario keep one scenario's retained runs
 * out of the next one's RSS.
 */
export async function startTargets(upstreamUrl: string, pinning: Pinning): Promise<RunningTargets> {
  const targets: RunningTargets = new Map();
  try {
    for (const kind of ["raw-node", "ours"] as const) {
      const child = await startChild<TargetRpc>("./target-child.js", {
        name: kind,
        ...(pinning.enabled ? { core: pinning.targetCore } : {}),
      });
      targets.set(kind, { child, url: "" });
      const { url } = await child.call("start", { kind, upstreamUrl });
      targets.set(kind, { child, url });
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
