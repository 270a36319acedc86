/**
 * One writer per Letta conversation (API.md §1 `conversation`): Letta gives undefined behaviour
 * to two requests at once in one conversation (letta-wire §1.1), so two runs never stream into
 * the same (agent, conversation) at once. A later run's agent waits its turn, in order of arrival.
 */
export interface ConversationTurns {
  /**
   * Resolves when `holder` (a run) has the turn of the agent's conversation, with the function that
   * gives it back. Calls `onQueued` once, with the position in line (1 = next), when it must wait.
   * Rejects with `signal.reason` when `signal` aborts first. Taking a turn the holder already has
   * or waits for (a run continued after a takeover) keeps its place in line.
   */
  take(
    conversation: ConversationKey,
    holder: string,
    signal: AbortSignal,
    onQueued: (position: number) => void,
  ): Promise<() => void>;
}

export interface ConversationKey {
  agentId: string;
  /** `default` (the agent's own conversation) or a `conv-…` id. */
  conversationId: string;
}

interface Waiter {
  granted: () => void;
}

/** Turns within one process: a queue per conversation (the memory store's deployments). */
export class LocalConversationTurns implements ConversationTurns {
  private readonly lines = new Map<string, Waiter[]>();

  take(
    conversation: ConversationKey,
    _holder: string,
    signal: AbortSignal,
    onQueued: (position: number) => void,
  ): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const key = `${conversation.agentId}\n${conversation.conversationId}`;
    const line = this.lines.get(key) ?? [];
    this.lines.set(key, line);
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const index = line.indexOf(waiter);
        if (index >= 0) line.splice(index, 1);
        if (line.length === 0) this.lines.delete(key);
        else if (index === 0) line[0]?.granted();
      };
      // Only a waiter listens: the turn's holder gives it back through `release`.
      const onAbort = () => {
        release();
        reject(signal.reason as Error);
      };
      const waiter: Waiter = {
        granted: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      line.push(waiter);
      if (line.length === 1) {
        waiter.granted();
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      onQueued(line.length - 1);
    });
  }
}
