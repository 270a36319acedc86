import type { EventDraft } from "../protocol/events.js";
import { emptySnapshot, foldEvent, type RunSnapshot } from "../protocol/run-snapshot.js";
import { EventLog } from "./event-log.js";
import {
  type EventStore,
  type FirehoseBatch,
  type ReadBatch,
  type RunMeta,
  type RunSummary,
  type StoreState,
  type StoredEvent,
} from "./event-store.js";
import { LoggedEvent } from "./logged-event.js";
import type { RetentionOptions } from "./memory-event-store.js";
import type { RunBatch } from "./redis-append-script.js";
import { parseCancelRequest, parseProgress, type RedisKeys } from "./redis-keys.js";
import { LiveTails } from "./redis-live-tails.js";
import type { RunControl } from "./run-control.js";
import {
  readFirehoseFromRedis,
  readRunFromRedis,
  type FirehoseEvent,
  type RedisLink,
} from "./redis-reads.js";
import { listRunsFromRedis, snapshotFromRedis } from "./redis-run-queries.js";
import { RedisLeases } from "./redis-leases.js";
import { RedisRunWriter } from "./redis-run-writer.js";
import { loadTakenRun, type TakenRun } from "./redis-takeover.js";
import { stampJson } from "./stamp-json.js";

/** A run this instance writes: its next seq, its snapshot, and its durable events. */
interface OwnRun {
  meta: RunMeta;
  runIdJson: string;
  lastSeq: number;
  snapshot: RunSnapshot;
  /** Events Redis has acknowledged: what readers of this instance may see. */
  log: EventLog;
  endedAt: number | undefined;
}

export interface RedisStoreOptions {
  keys: RedisKeys;
  retention: RetentionOptions;
  link: RedisLink & {
    sendRaw(args: (string | Buffer)[]): Promise<unknown>;
    /** PING, given up when `signal` aborts. */
    ping(signal: AbortSignal): Promise<unknown>;
    /** Whether the command connection is up right now. */
    isReady(): boolean;
  };
  /** Subscribes the subscriber connection to a channel. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Closes the connections. */
  disconnect(): Promise<void>;
  /**
   * Events appended here but not yet in Redis, at most (config `redis.max_backlog_events`): past
   * it, the service ends its runs (see `onBacklogFull`) instead of buffering without bound.
   */
  maxBacklog: number;
  /** This instance's id in leases; unique per process. */
  owner: string;
  /** How long a run's lease lasts without renewal, and how often it is renewed (config `redis`). */
  leaseMs: number;
  renewMs: number;
  now?: () => number;
}

const SWEEP_MS = 10_000;
const PING_BUDGET_MS = 1_000;
/** Runs one instance takes over per tick at most (the others take the rest). */
const CLAIM_AT_ONCE = 16;
/** The control message that tells every instance to look for runs to take over now. */
const CLAIM_NOW = "claim";

/**
 * The run log in Redis Streams (config `store: redis://…`), shared by every instance. The
 * instance running a run is its only writer: it stamps seqs itself and sends each tick's events in
 * one script call ({@link RedisRunWriter}); readers anywhere see an event once Redis has it, so a
 * reader never holds an event another instance could number differently. Every flush is
 * announced on one pub/sub channel; each instance follows the runs its readers wait on with one
 * subscriber connection and one fetch per announcement, shared by all its readers.
 */
export class RedisEventStore implements EventStore, RunControl {
  private readonly own = new Map<string, OwnRun>();
  private readonly live: LiveTails;
  private readonly writer: RedisRunWriter;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly cancelHandlers: ((runId: string, agentIds: readonly string[] | undefined) => void)[] = [];
  private readonly takeoverHandlers: ((run: TakenRun) => void)[] = [];
  private readonly lostHandlers: ((runId: string) => void)[] = [];
  private readonly leases: RedisLeases;
  private readonly leaseTimer: NodeJS.Timeout;
  /** Whether this instance takes runs over (not once it stops). */
  private claiming = true;
  private ticking = false;
  /** Events appended but not yet acknowledged by Redis. */
  private unacked = 0;
  private overflowing = false;
  private readonly backlogHandlers: (() => void)[] = [];

  private constructor(private readonly options: RedisStoreOptions) {
    this.now = options.now ?? Date.now;
    this.live = new LiveTails(
      options.link,
      options.keys,
      (runId, seq) => this.localEvent(runId, seq),
      () => this.firehoseHead(),
    );
    this.leases = new RedisLeases(
      (args) => options.link.send(args),
      options.keys,
      options.owner,
      options.leaseMs,
    );
    this.writer = new RedisRunWriter(
      (args) => options.link.sendRaw(args),
      options.keys,
      options.retention,
      { owner: options.owner, leaseMs: options.leaseMs },
      (batches) => this.acked(batches),
      (runIds, refused) => {
        this.unacked -= refused;
        this.lose(runIds);
      },
    );
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
    this.leaseTimer = setInterval(() => void this.tick(), options.renewMs).unref();
  }

  /** A store on connected clients, listening to the channel before it answers anything. */
  static async open(options: RedisStoreOptions): Promise<RedisEventStore> {
    const store = new RedisEventStore(options);
    await options.subscribe(options.keys.channel, (message) => {
      const progress = parseProgress(message);
      if (progress) store.live.announced(progress, store.own.has(progress.runId));
    });
    await options.subscribe(options.keys.control, (message) => {
      if (message === CLAIM_NOW) return void store.tick();
      const request = parseCancelRequest(message);
      if (request) for (const handler of store.cancelHandlers) handler(request.runId, request.agentIds);
    });
    void store.tick();
    return store;
  }

  async requestCancel(runId: string, agentIds: readonly string[] | undefined): Promise<void> {
    const request = JSON.stringify({ run_id: runId, ...(agentIds ? { agent_ids: agentIds } : {}) });
    await this.options.link.send(["PUBLISH", this.options.keys.control, request]);
  }

  onCancel(handler: (runId: string, agentIds: readonly string[] | undefined) => void): void {
    this.cancelHandlers.push(handler);
  }

  onTakeover(handler: (run: TakenRun) => void): void {
    this.takeoverHandlers.push(handler);
  }

  onLost(handler: (runId: string) => void): void {
    this.lostHandlers.push(handler);
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
    await this.writer.drained();
    for (const runId of runIds) this.forget(runId);
    await this.leases.release(runIds);
    await this.options.link.send(["PUBLISH", this.options.keys.control, CLAIM_NOW]);
  }

  /** Events appended here that Redis does not have yet. */
  get backlog(): number {
    return this.unacked;
  }

  /**
   * Hears, once per outage, that more than `maxBacklog` events wait for an unreachable Redis:
   * the service then ends its runs (their last events are written when Redis is back).
   */
  onBacklogFull(handler: () => void): void {
    this.backlogHandlers.push(handler);
  }

  /** Records an agent's progress upstream with the events it covers (for a takeover). */
  progress(runId: string, agentId: string, progress: unknown): void {
    const run = this.own.get(runId);
    if (!run) return;
    this.writer.batchOf(runId, run.meta.panel).progress.set(agentId, JSON.stringify(progress));
  }

  createRun(meta: RunMeta): void {
    this.own.set(meta.runId, {
      meta,
      runIdJson: JSON.stringify(meta.runId),
      lastSeq: 0,
      snapshot: emptySnapshot(meta.runId, meta.createdAt),
      log: new EventLog(this.options.retention.max_events_per_run),
      endedAt: undefined,
    });
    const batch = this.writer.batchOf(meta.runId, meta.panel);
    batch.createdAt = meta.createdAt;
    if (meta.plan !== undefined) batch.plan = JSON.stringify(meta.plan);
  }

  append(runId: string, draft: EventDraft): StoredEvent {
    const run = this.own.get(runId);
    if (!run) throw new Error(`append to run ${runId}, which this instance does not write`);
    const seq = ++run.lastSeq;
    const ts = this.now();
    const agentId = "agent_id" in draft ? draft.agent_id : undefined;
    const json = stampJson(draft, run.runIdJson, seq, ts);
    const event = LoggedEvent.encode(seq, draft.type, agentId, runId, 0, json);
    foldEvent(run.snapshot, draft, seq, ts);
    const batch = this.writer.batchOf(runId, run.meta.panel);
    batch.events.push(event);
    if (++this.unacked > this.options.maxBacklog && !this.overflowing) {
      this.overflowing = true;
      for (const handler of this.backlogHandlers) handler();
    }
    if (draft.type === "run.started") batch.agents = draft.agents.length;
    if (draft.type === "run.completed") {
      run.endedAt = this.now();
      batch.status = run.snapshot.status;
      batch.endedAt = run.endedAt;
      batch.snapshot = JSON.stringify(run.snapshot);
    }
    return event;
  }

  async hasRun(runId: string): Promise<boolean> {
    if (this.own.has(runId)) return true;
    return (await this.options.link.send(["EXISTS", this.options.keys.runMeta(runId)])) === 1;
  }

  readRun(runId: string, after: number, max: number): Promise<ReadBatch> {
    const log = this.own.get(runId)?.log ?? this.live.window(runId);
    if (log && after >= log.oldestCursor && after <= log.head) {
      if (log.ended && after >= log.head) return Promise.resolve({ events: [], ended: true });
      const events = log.after(after, max) ?? [];
      return Promise.resolve({ events, ended: log.ended && (events.at(-1)?.seq ?? after) >= log.head });
    }
    return readRunFromRedis(this.options.link, this.options.keys, runId, after, max);
  }

  async waitRun(runId: string, after: number, signal: AbortSignal): Promise<void> {
    const own = this.own.get(runId);
    if (own) return own.log.wait(after, signal);
    return this.live.waitRun(runId, after, signal);
  }

  async readFirehose(after: number, max: number, panel?: string): Promise<FirehoseBatch> {
    const log = await this.live.firehoseWindow();
    if (log && after >= log.oldestCursor && after <= log.head) {
      const window = (log.after(after, max) ?? []) as FirehoseEvent[];
      const last = window.at(-1);
      // Holes (events whose run expired before they were fetched) and other panels are skipped,
      // but the cursor moves past them.
      const events = window.filter((event) => !event.hole && (panel === undefined || event.panel === panel));
      return { events, ended: false, ...(last ? { next: last.global } : {}) };
    }
    return readFirehoseFromRedis(this.options.link, this.options.keys, after, max, panel, (runId, seq) =>
      this.localEvent(runId, seq),
    );
  }

  waitFirehose(after: number, signal: AbortSignal): Promise<void> {
    return this.live.waitFirehose(after, signal);
  }

  async firehoseHead(): Promise<number> {
    const { keys, link } = this.options;
    // The first life of a Redis starts its positions at the current time in µs, like the script.
    await link.send(["SET", keys.firehoseHead, String(this.now() * 1000), "NX"]);
    return Number(await link.send(["GET", keys.firehoseHead]));
  }

  snapshot(runId: string): Promise<RunSnapshot | undefined> {
    const own = this.own.get(runId);
    if (own) return Promise.resolve(own.snapshot);
    return snapshotFromRedis(this.options.link, this.options.keys, runId);
  }

  listRuns(limit: number, after: string | undefined): Promise<RunSummary[]> {
    return listRunsFromRedis(
      this.options.link,
      this.options.keys,
      limit,
      after,
      (runId) => this.own.get(runId)?.snapshot,
    );
  }

  check(signal: AbortSignal): Promise<StoreState> {
    const { link } = this.options;
    if (!link.isReady() || this.writer.lastError !== undefined) return Promise.resolve("unreachable");
    // A Redis that takes a second to answer PING is not one to send readers to. The race is
    // ours: a command already on the wire cannot be aborted, its answer would just come late.
    const budget = AbortSignal.any([signal, AbortSignal.timeout(PING_BUDGET_MS)]);
    const timedOut = new Promise<StoreState>((resolve) => {
      if (budget.aborted) resolve("timeout");
      budget.addEventListener("abort", () => resolve("timeout"), { once: true });
    });
    const answered = link.ping(budget).then(
      (): StoreState => "ok",
      (): StoreState => (budget.aborted ? "timeout" : "unreachable"),
    );
    return Promise.race([answered, timedOut]);
  }

  /** Resolves once every event appended so far is in Redis. */
  drained(): Promise<void> {
    return this.writer.drained();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.leaseTimer);
    this.claiming = false;
    await this.writer.drained();
    this.writer.close();
    await this.options.disconnect();
  }

  /**
   * Every `renew_ms`: renews this instance's leases (losing those another instance took), then
   * takes over runs whose lease lapsed. One tick at a time.
   */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const running = [...this.own].filter(([, run]) => run.endedAt === undefined).map(([runId]) => runId);
      this.lose(await this.leases.renew(running));
      if (!this.claiming) return;
      for (const runId of await this.leases.claim(CLAIM_AT_ONCE)) await this.adopt(runId);
    } catch {
      // Redis away: the next tick tries again; readiness reports it meanwhile.
    } finally {
      this.ticking = false;
    }
  }

  /** Continues a run taken over: this instance writes it from its last seq on. */
  private async adopt(runId: string): Promise<void> {
    const taken = await loadTakenRun(this.options.link, this.options.keys, runId);
    if (!taken) return;
    this.own.set(runId, {
      meta: { runId, panel: taken.panel, createdAt: taken.createdAt },
      runIdJson: JSON.stringify(runId),
      lastSeq: taken.lastSeq,
      snapshot: taken.snapshot,
      log: new EventLog(this.options.retention.max_events_per_run, taken.lastSeq),
      endedAt: undefined,
    });
    this.live.drop(runId);
    for (const handler of this.takeoverHandlers) handler(taken);
  }

  /** Runs another instance holds now: stop writing them here, and tell the service. */
  private lose(runIds: readonly string[]): void {
    for (const runId of runIds) {
      if (!this.own.has(runId)) continue;
      this.unacked -= this.writer.drop([runId]);
      this.forget(runId);
      for (const handler of this.lostHandlers) handler(runId);
    }
  }

  /** Stops holding a run here; its readers here, woken, read on from Redis. */
  private forget(runId: string): void {
    const run = this.own.get(runId);
    this.own.delete(runId);
    run?.log.end();
  }

  /** A batch is durable: its events become readable here, and a run that ended is complete. */
  private acked(batches: readonly RunBatch[]): void {
    if (this.unacked === 0) this.overflowing = false;
    for (const batch of batches) {
      this.unacked -= batch.events.length;
      const run = this.own.get(batch.runId);
      if (!run) continue;
      for (const event of batch.events) run.log.push(event);
      if (batch.endedAt !== undefined) {
        // Ended and written: from now on Redis answers for it, as for any other instance's run
        // (retention may drop it there at any time). Its readers here, woken, read on from Redis.
        this.own.delete(batch.runId);
        run.log.end();
      }
    }
  }

  /** An event this instance holds in memory (its own runs, and the live ends it follows). */
  private localEvent(runId: string, seq: number): StoredEvent | undefined {
    return this.own.get(runId)?.log.after(seq - 1, 1)?.[0] ?? this.live.event(runId, seq);
  }

  private sweep(): void {
    this.live.sweep();
  }
}
