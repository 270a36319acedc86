import type { RedisKeys } from "./redis-keys.js";
import { parseCancelRequest } from "./redis-keys.js";
import type { RedisLeases } from "./redis-leases.js";
import type { RedisLink } from "./redis-reads.js";
import { loadTakenRun, type TakenRun } from "./redis-takeover.js";
import type { RunControl } from "./run-control.js";

/** What the control needs of the store: the runs it writes, and taking them on or off. */
export interface OwnedRuns {
  /** Runs this instance writes and that have not ended. */
  running(): string[];
  /** Starts writing a run taken over, from its last seq. */
  adopt(taken: TakenRun): void;
  /** Stops writing runs (lost, or handed over); pending appends of theirs are dropped. Returns those it wrote. */
  release(runIds: readonly string[]): string[];
  /** Resolves once everything appended so far is in Redis. */
  drained(): Promise<void>;
}

/** The control message that tells every instance to look for runs to take over now. */
const CLAIM_NOW = "claim";
/** Runs one instance takes over per tick at most (the others take the rest). */
const CLAIM_AT_ONCE = 16;

type CancelHandler = (runId: string, agentIds: readonly string[] | undefined) => void;

/**
 * Runs between instances on one Redis (API.md §6): cancel requests on the control channel, the
 * leases this instance renews every `renew_ms` (losing runs another instance took), the runs it
 * takes over when their lease lapsed, and the handover of a graceful stop.
 */
export class RedisRunControl implements RunControl {
  private readonly cancelHandlers: CancelHandler[] = [];
  private readonly takeoverHandlers: ((run: TakenRun) => void)[] = [];
  private readonly lostHandlers: ((runId: string) => void)[] = [];
  private readonly goneHandlers: ((runId: string) => void)[] = [];
  private readonly backlogHandlers: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Whether this instance takes runs over (not once it stops). */
  private claiming = true;
  private ticking = false;
  /** Runs whose loss Redis is being asked about: a second report of one waits for that answer. */
  private readonly judging = new Set<string>();

  constructor(
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly leases: RedisLeases,
    renewMs: number,
    private readonly owned: OwnedRuns,
  ) {
    this.timer = setInterval(() => void this.tick(), renewMs).unref();
  }

  /** A message of the control channel: a cancel request, or a call to claim now. */
  heard(message: string): void {
    if (message === CLAIM_NOW) return void this.tick();
    const request = parseCancelRequest(message);
    if (request) for (const handler of this.cancelHandlers) handler(request.runId, request.agentIds);
  }

  async requestCancel(runId: string, agentIds: readonly string[] | undefined): Promise<void> {
    const request = JSON.stringify({ run_id: runId, ...(agentIds ? { agent_ids: agentIds } : {}) });
    await this.link.send(["PUBLISH", this.keys.control, request]);
  }

  onCancel(handler: CancelHandler): void {
    this.cancelHandlers.push(handler);
  }

  onTakeover(handler: (run: TakenRun) => void): void {
    this.takeoverHandlers.push(handler);
  }

  onLost(handler: (runId: string) => void): void {
    this.lostHandlers.push(handler);
  }

  onGone(handler: (runId: string) => void): void {
    this.goneHandlers.push(handler);
  }

  onBacklogFull(handler: () => void): void {
    this.backlogHandlers.push(handler);
  }

  othersAlive(): Promise<boolean> {
    return this.leases.othersAlive();
  }

  /**
   * Hands runs to the other instances (a graceful stop): stops taking runs over, writes what is
   * pending (the last events and each agent's progress), lets go of the leases and tells the
   * others to claim at once. The caller has stopped the runs here first.
   */
  async handOver(runIds: readonly string[]): Promise<void> {
    this.claiming = false;
    await this.owned.drained();
    this.owned.release(runIds);
    await this.leases.release(runIds);
    await this.link.send(["PUBLISH", this.keys.control, CLAIM_NOW]);
  }

  /**
   * This instance may no longer write these runs: the renewal found their lease gone to another
   * instance, or the append script refused them (`FENCED`, `NORUN`). One question to Redis tells
   * the two cases apart. A run Redis still has (its meta, or a lease) is another instance's now,
   * or will be once one claims it: it stops here quietly (`onLost`), and its agents go on there.
   * A run Redis has lost altogether (restarted without its data, FLUSHALL, its keys deleted) is
   * nobody's: it stops here too, and the service cancels its agents at Letta (`onGone`), which
   * would otherwise go on spending tokens for no one. Until Redis answers, the runs stay here;
   * if it does not, the next renewal or refused write reports them again.
   */
  async lost(runIds: readonly string[]): Promise<void> {
    const fresh = runIds.filter((runId) => !this.judging.has(runId));
    if (fresh.length === 0) return;
    for (const runId of fresh) this.judging.add(runId);
    let vanished: Set<string> | undefined;
    try {
      vanished = new Set(await this.leases.vanished(fresh));
    } catch {
      // Redis away again: nothing decided yet (see above).
    }
    for (const runId of fresh) this.judging.delete(runId);
    if (!vanished) return;
    for (const runId of this.owned.release(fresh)) {
      for (const handler of vanished.has(runId) ? this.goneHandlers : this.lostHandlers) handler(runId);
    }
  }

  /** More events wait for Redis than the bound allows. */
  backlogFull(): void {
    for (const handler of this.backlogHandlers) handler();
  }

  stop(): void {
    clearInterval(this.timer);
    this.claiming = false;
  }

  /** Renews this instance's leases, then takes over runs whose lease lapsed. One tick at a time. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.lost(await this.leases.renew(this.owned.running()));
      if (!this.claiming) return;
      for (const runId of await this.leases.claim(CLAIM_AT_ONCE)) {
        const taken = await loadTakenRun(this.link, this.keys, runId);
        if (!taken) continue;
        this.owned.adopt(taken);
        for (const handler of this.takeoverHandlers) handler(taken);
      }
    } catch {
      // Redis away: the next tick tries again; readiness reports it meanwhile.
    } finally {
      this.ticking = false;
    }
  }
}
