import type { RunProducer } from "./run-producer.js";

/**
 * Where runs wait at `hold` faults until a test calls `sim.release(agentId)`: the deterministic
 * way for a test to control time. A release that comes before any run is held is kept and lets
 * the next hold of that agent pass, so a test cannot lose a race against the simulator.
 */
export class ReleaseBoard {
  private readonly held = new Map<string, Set<RunProducer>>();
  private readonly early = new Map<string, number>();

  /** A run of `agentId` reached a hold; false means it must wait for a release. */
  hold(agentId: string, producer: RunProducer): boolean {
    const waiting = this.early.get(agentId) ?? 0;
    if (waiting > 0) {
      this.early.set(agentId, waiting - 1);
      return true;
    }
    let set = this.held.get(agentId);
    if (set === undefined) {
      set = new Set();
      this.held.set(agentId, set);
    }
    set.add(producer);
    return false;
  }

  /** Releases every held run of the agent; with none held, keeps one release for the next hold. */
  release(agentId: string): number {
    const set = this.held.get(agentId);
    this.held.delete(agentId);
    if (set === undefined || set.size === 0) {
      this.early.set(agentId, (this.early.get(agentId) ?? 0) + 1);
      return 0;
    }
    for (const producer of set) producer.release();
    return set.size;
  }

  /** Forgets a run that ended while held (cancelled). */
  forget(agentId: string, producer: RunProducer): void {
    this.held.get(agentId)?.delete(producer);
  }
}
