import type { SimAgentSpec } from "../src/simulator/index.js";
import type { EmitPlan, StreamDigest } from "./emit-plan.js";
import type { ProcessWindow } from "./process-probe.js";
import type { StoreWindow } from "./store-window.js";

/** Calls a child answers: each kind's payload and result (`M` is an interface of such entries). */
export type RpcMap<M> = { [K in keyof M]: { payload: unknown; result: unknown } };

/** Every bench child measures its own process over a window (CPU, RSS, event-loop delay). */
export interface ProbeRpc {
  "probe-begin": { payload: null; result: null };
  "probe-end": { payload: null; result: ProcessWindow };
}

/** The upstream child: a minimal Letta emitter. */
export interface EmitterRpc extends ProbeRpc {
  start: { payload: null; result: { url: string } };
  /** Sets how every stream opened from now on behaves; clears the digests. */
  configure: { payload: EmitPlan; result: null };
  /** Lets held streams (and streams opened later) start sending deltas. */
  release: { payload: null; result: null };
  /** What every stream since `configure` sent. */
  digests: { payload: null; result: { streams: StreamDigest[]; deltas: number } };
}

/** The project's simulator in its own process, for the upstream calibration. */
export interface SimulatorRpc extends ProbeRpc {
  start: { payload: { agents: SimAgentSpec[] }; result: { url: string } };
}

/** What a target child serves. */
export type TargetKind = "raw-node" | "ours";

/** Where the service keeps its run logs: in its own memory, or in a Redis under a key prefix. */
export type TargetStore = { kind: "memory" } | { kind: "redis"; url: string; prefix: string };

/** The target child: the raw-node relay or the service, talking to the emitter. */
export interface TargetRpc extends ProbeRpc {
  start: {
    payload: {
      kind: TargetKind;
      upstreamUrl: string;
      store: TargetStore;
      /** `: ping` after this much silence per reader (scenario F); default: the shipped 15 s, raw-node none. */
      pingIntervalMs?: number;
    };
    result: { url: string };
  };
  /** Starts counting the store's work (and, for Redis, reads its counters): outside the CPU window. */
  "store-begin": { payload: null; result: null };
  /** What the store did since `store-begin`; null for raw-node, which has no store. */
  "store-end": { payload: null; result: StoreWindow | null };
  /** A full garbage collection (scenario F, before each RSS reading). */
  gc: { payload: null; result: null };
}

/** A call from the parent. */
export interface RpcRequest {
  id: number;
  kind: string;
  payload: unknown;
}

/** A child's answer, or the unsolicited `ready` it sends once it listens for calls. */
export type RpcReply = { id: number; result: unknown } | { id: number; error: string } | { ready: true };
