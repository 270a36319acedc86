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
  };
}
