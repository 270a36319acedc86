import type { BenchCell, CellRun, TargetName } from "../bench-cell.js";
import type { ChildHandle } from "../child-rpc.js";
import type { Pinning } from "../cpu-pinning.js";
import type { TargetRpc } from "../rpc-protocol.js";
import type { RunningTargets } from "../start-targets.js";
import { startFastapi } from "./fastapi-peer.js";
import { startNginx } from "./nginx-peer.js";
import { findOrInstallFastapi, findOrInstallNginx } from "./peer-packages.js";
import type { PeerServer } from "./peer-process.js";
import { createProcessTreeProbe } from "./process-tree-probe.js";

/** The peers' processes: nginx (master + one worker) and uvicorn running fastapi_relay.py. */
export type PeerProcess = "nginx" | "fastapi";

/**
 * The process behind a peer target: `nginx` and `fastapi-pass` are byte passthroughs of one Letta
 * stream (read as `direct` reads the upstream), `fastapi` is the fan-out relay (read as `raw-node`
 * is); undefined for the bench's own targets.
 */
export function peerProcess(target: TargetName): PeerProcess | undefined {
  switch (target) {
    case "nginx":
      return "nginx";
    case "fastapi":
    case "fastapi-pass":
      return "fastapi";
    default:
      return undefined;
  }
}

/** Targets read through a passthrough: the load client reads the Letta stream as `direct` does. */
export const isPassthrough = (target: TargetName) => target === "nginx" || target === "fastapi-pass";

/** The peers this run can start (their binary), once per run; the others are skipped with a note. */
export type AvailablePeers = Map<PeerProcess, string>;

/**
 * Finds (and where missing, installs from Debian's packages) the peers some cell of the run
 * needs; notes their versions, or why each one is skipped.
 */
export function preparePeers(cells: readonly BenchCell[], notes: string[]): AvailablePeers {
  const wanted = new Set(cells.flatMap((cell) => cell.targets.map(peerProcess)));
  const available: AvailablePeers = new Map();
  for (const [peer, find] of [
    ["nginx", findOrInstallNginx],
    ["fastapi", findOrInstallFastapi],
  ] as const) {
    if (!wanted.has(peer)) continue;
    const install = find();
    if ("found" in install) {
      available.set(peer, install.found);
      notes.push(
        peer === "nginx"
          ? `peer nginx: ${install.version} (${install.found}), the bench's own process: 1 worker, proxy_buffering off, HTTP/1.1 keep-alive upstream, no access log`
          : `peer fastapi: ${install.version} (${install.found}), uvicorn 1 process, bench/peers/fastapi_relay.py`,
      );
    } else {
      notes.push(`peer ${peer}: skipped, ${install.skipped}`);
      process.stderr.write(`⚠ peer ${peer} skipped: ${install.skipped}\n`);
    }
  }
  if (wanted.has("nginx") || wanted.has("fastapi"))
    notes.push(
      "peers: nginx and fastapi-pass pass one Letta stream through byte for byte (read as direct reads the upstream: events = Letta frames); " +
        "fastapi is the fan-out relay (the run request raw-node gets, read and checked as raw-node is); CPU of a peer from /proc (schedstat of its threads), no ELD",
    );
  return available;
}

/**
 * Starts the available peers the cells need, pinned to the target core like the other targets,
 * and adds them to `targets` (stopped with them by `stopTargets`). A peer that fails to start is
 * left out of this scenario with a note; its cells run without it.
 */
export async function startPeers(
  targets: RunningTargets,
  available: AvailablePeers,
  cells: readonly BenchCell[],
  upstreamUrl: string,
  pinning: Pinning,
  notes: string[],
): Promise<void> {
  const wanted = new Set(cells.flatMap((cell) => cell.targets.map(peerProcess)));
  const core = pinning.enabled ? pinning.targetCore : undefined;
  for (const [peer, binary] of available) {
    if (!wanted.has(peer)) continue;
    try {
      const server =
        peer === "nginx"
          ? await startNginx(binary, upstreamUrl, core)
          : await startFastapi(binary, upstreamUrl, core);
      targets.set(peer, { child: peerHandle(server), url: server.url });
    } catch (error) {
      const note = `peer ${peer} did not start, left out of scenario ${cells[0]?.scenario ?? "?"}: ${error instanceof Error ? error.message : String(error)}`;
      notes.push(note);
      process.stderr.write(`⚠ ${note}\n`);
    }
  }
}

/** Whether a run's target is running: always for the bench's own, for a peer when it started. */
export function targetRunning(run: CellRun, targets: RunningTargets): boolean {
  const peer = peerProcess(run.target);
  return peer === undefined || targets.has(peer);
}

/**
 * A peer as a bench target: it answers the probe calls from the outside (/proc, see
 * process-tree-probe.ts) and has no store; `close()` stops it.
 */
function peerHandle(server: PeerServer): ChildHandle<TargetRpc> {
  const probe = createProcessTreeProbe(server.pid);
  const answers: Record<string, () => unknown> = {
    "probe-begin": () => {
      probe.begin();
      return null;
    },
    "probe-end": () => probe.end(),
    "store-begin": () => null,
    "store-end": () => null,
  };
  const call = (kind: string): Promise<unknown> => {
    const answer = answers[kind];
    return answer ? Promise.resolve(answer()) : Promise.reject(new Error(`${server.name}: no call ${kind}`));
  };
  return {
    name: server.name,
    pid: server.pid,
    call: call as ChildHandle<TargetRpc>["call"],
    close: () => server.stop(),
  };
}
