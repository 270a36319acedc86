/**
 * Tracks, per agent, how many of its events sit in the run log but have not yet been taken by
 * the run's own stream (the client of `POST /v1/runs` that asked for SSE), and lets an agent
 * wait until there is room (API.md §1 `backpressure`). Readers of `GET /v1/runs/{id}/events`
 * never count: they read the log at their own pace. With no pacing reader attached (202 runs,
 * or after the client left with `on_disconnect: "continue"`), every agent always has room.
 */
export class BackpressureGate {
  private readonly lag = new Map<string, number>();
  private readonly waiters = new Map<string, { limit: number; resolve: () => void }>();
  private attached = false;
  private total = 0;

  /** A pacing reader now takes events; from here on, unread events count. */
  attach(): void {
    this.attached = true;
  }

  /** The pacing reader is gone: nobody is held back any more. */
  detach(): void {
    this.attached = false;
    this.lag.clear();
    this.total = 0;
    for (const waiter of this.waiters.values()) waiter.resolve();
    this.waiters.clear();
  }

  /** An event of this agent entered the log. */
  appended(agentId: string): void {
    if (!this.attached) return;
    this.total += 1;
    this.lag.set(agentId, (this.lag.get(agentId) ?? 0) + 1);
  }

  /** The pacing reader handed an event of this agent to its socket. */
  delivered(agentId: string): void {
    if (!this.attached) return;
    this.total -= 1;
    const lag = (this.lag.get(agentId) ?? 0) - 1;
    this.lag.set(agentId, lag);
    const waiter = this.waiters.get(agentId);
    if (waiter && lag < waiter.limit) {
      this.waiters.delete(agentId);
      waiter.resolve();
    }
  }

  /** Events of all agents waiting for the pacing reader. */
  pendingTotal(): number {
    return this.total;
  }

  /** Events of this agent waiting for the pacing reader. */
  pending(agentId: string): number {
    return this.lag.get(agentId) ?? 0;
  }

  /**
   * Resolves once fewer than `limit` events of this agent wait, or when `signal` aborts
   * (the caller checks the signal afterwards).
   */
  waitForRoom(agentId: string, limit: number, signal: AbortSignal): Promise<void> {
    if (this.pending(agentId) < limit || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.waiters.delete(agentId);
        resolve();
      };
      this.waiters.set(agentId, { limit, resolve: done });
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
