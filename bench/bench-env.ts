import type { Agent } from "node:http";
import type { ChildHandle } from "./child-rpc.js";
import type { EmitterRpc, TargetRpc } from "./rpc-protocol.js";
import type { TargetProcess } from "./start-targets.js";

/** The processes a cell runs against. */
export interface BenchEnv {
  emitter: ChildHandle<EmitterRpc>;
  upstreamUrl: string;
  /** The running target children by kind, with their base URLs. */
  targets: ReadonlyMap<TargetProcess, { child: ChildHandle<TargetRpc>; url: string }>;
  /** The load client's connection pool (no limit on sockets). */
  agent: Agent;
}
