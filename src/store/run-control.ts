import type { TakenRun } from "./redis-takeover.js";

/**
 * Control of runs across instances: a cancel asked on any instance reaches the instance that
 * runs the agents (API.md §6). With one process (the memory store) nobody else runs anything,
 * so the bus is local.
 */
export interface RunControl {
  /** Asks whichever instance runs `runId` to cancel it, or only `agentIds` of it. */
  requestCancel(runId: string, agentIds: readonly string[] | undefined): Promise<void>;
  /** Hears every cancel request (the service cancels the runs it holds). */
  onCancel(handler: (runId: string, agentIds: readonly string[] | undefined) => void): void;
  /** Hears of each run this instance took over from one that stopped: the service continues it. */
  onTakeover(handler: (run: TakenRun) => void): void;
  /** Hears of each run another instance took from this one: the service stops it here, quietly. */
  onLost(handler: (runId: string) => void): void;
  /**
   * Hears of each run of this instance that the store lost altogether (Redis restarted without
   * its data): nobody can continue it, so the service cancels its agents at Letta.
   */
  onGone(handler: (runId: string) => void): void;
  /** Hears that the store cannot keep up (Redis unreachable past `redis.max_backlog_events`). */
  onBacklogFull(handler: () => void): void;
  /** Whether another instance is alive to take runs over. */
  othersAlive(): Promise<boolean>;
  /** Gives runs (already stopped here) to the other instances at once. */
  handOver(runIds: readonly string[]): Promise<void>;
}

/** The bus of a single process: a request goes straight to the local handler. */
export function localRunControl(): RunControl {
  const handlers: ((runId: string, agentIds: readonly string[] | undefined) => void)[] = [];
  return {
    requestCancel(runId, agentIds) {
      for (const handler of handlers) handler(runId, agentIds);
      return Promise.resolve();
    },
    onCancel(handler) {
      handlers.push(handler);
    },
    // One process: nothing to take over, lose or hand over.
    onTakeover: () => undefined,
    onLost: () => undefined,
    onGone: () => undefined,
    onBacklogFull: () => undefined,
    othersAlive: () => Promise.resolve(false),
    handOver: () => Promise.resolve(),
  };
}
