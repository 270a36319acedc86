import { RedisConversationTurns } from "./redis-conversation-turns.js";
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
import type { RunBatch } from "./redis-append-script.js";
import { LiveTails } from "./redis-live-tails.js";
import { readFirehoseFromRedis, readRunFromRedis } from "./redis-reads.js";
import { listRunsFromRedis, snapshotWithFollowUps } from "./redis-run-queries.js";
import { RedisLeases } from "./redis-leases.js";
import { RedisRunWriter, type WriterCounts } from "./redis-run-writer.js";
import { RedisRunControl } from "./redis-run-control.js";
import type { TakenRun } from "./redis-takeover.js";
import { storedFlag, type OwnRun } from "./redis-own-run.js";
import { checkRedis, type RedisStoreOptions } from "./redis-store-options.js";
import { stampJson } from "./stamp-json.js";

const SWEEP_MS = 10_000;

/**
 * The run log in Redis Streams (config `store: redis://…`), shared by every instance. The
 * instance running a run is its only writer: it stamps seqs itself and sends each tick's events in
 * one script call ({@link RedisRunWriter}); readers anywhere see an event once Redis has it, so a
 * reader never holds an event another instance could number differently. Every flush is
 * announced on the channel of each run it wrote (and the firehose's); each instance follows the
 * runs its readers wait on, not those it writes, with one subscriber connection and one fetch per
 * announcement, shared by all its readers.
 */
export class RedisEventStore implements EventStore {
  /** Cancel, takeover and handover between the instances on this Redis; the service's RunControl. */
  readonly control: RedisRunControl;
  /** One writer per Letta conversation across the instances on this Redis; the service's turns. */
  readonly turns: RedisConversationTurns;
  private readonly own = new Map<string, OwnRun>();
  private readonly live: LiveTails;
  private readonly writer: RedisRunWriter;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  /** Events appended but not yet acknowledged by Redis. */
  private unacked = 0;
  private overflowing = false;

  private constructor(private readonly options: RedisStoreOptions) {
    this.now = options.now ?? Date.now;
    this.live = new LiveTails(
      options.link,
      options.keys,
      {
        subscribe: (channel, onMessage) => options.subscribe(channel, onMessage),
        unsubscribe: (channel) => options.unsubscribe(channel),
      },
      (runId, seq) => this.localEvent(runId, seq),
      () => this.firehoseHead(),
    );
    const leases = new RedisLeases(
      (args) => options.link.send(args),
      options.keys,
      options.owner,
      options.leaseMs,
    );
    this.turns = new RedisConversationTurns((args) => options.link.send(args), options.keys);
    this.control = new RedisRunControl(options.link, options.keys, leases, options.renewMs, {
      running: () =>
        [...this.own].filter(([, run]) => run.inRedis && run.endedAt === undefined).map(([runId]) => runId),
      adopt: (taken) => this.adopt(taken),
      release: (runIds) => this.release(runIds),
      drained: () => this.writer.drained(),
    });
    this.writer = new RedisRunWriter(
      (args) => options.link.sendRaw(args),
      options.keys,
      options.retention,
      { owner: options.owner, leaseMs: options.leaseMs },
      (batches) => this.acked(batches),
      (runIds, refused) => {
        this.unacked -= refused;
        void this.control.lost(runIds);
      },
    );
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** A store on connected clients, listening to the control channel before it answers anything. */
  static async open(options: RedisStoreOptions): Promise<RedisEventStore> {
    const store = new RedisEventStore(options);
    await options.subscribe(options.keys.control, (message) => store.control.heard(message));
    void store.control.tick();
    return store;
  }

  /** What the writer sent to Redis so far: flushes, script calls, script loads (for the bench). */
  get writes(): Readonly<WriterCounts> {
    return this.writer.counts;
  }

  /** Events appended here that Redis does not have yet. */
  get backlog(): number {
    return this.unacked;
  }

  /** Records an agent's progress upstream with the events it covers (for a takeover). */
  progress(runId: string, agentId: string, progress: unknown): void {
    const run = this.own.get(runId);
    if (!run) return;
    // Encoded when sent: only the last report of a tick per agent costs a JSON.stringify.
    this.writer.batchOf(runId, run.meta.panel).progress.set(agentId, progress);
  }

  createRun(meta: RunMeta): void {
    this.own.set(meta.runId, {
      meta,
      runIdJson: JSON.stringify(meta.runId),
      lastSeq: 0,
      snapshot: emptySnapshot(meta.runId, meta.createdAt),
      log: new EventLog(this.options.retention.max_events_per_run),
      endedAt: undefined,
      ...storedFlag(false),
    });
    const batch = this.writer.batchOf(meta.runId, meta.panel);
    batch.createdAt = meta.createdAt;
    if (meta.parentRunId !== undefined) batch.parent = meta.parentRunId;
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
      this.control.backlogFull();
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

  async persisted(runId: string, timeoutMs: number): Promise<void> {
    const run = this.own.get(runId);
    if (!run || run.inRedis) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run.stored,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
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
    const fromWindow = await this.live.readFirehose(after, max, panel);
    if (fromWindow) return fromWindow;
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
    return snapshotWithFollowUps(this.options.link, this.options.keys, runId, this.own.get(runId)?.snapshot);
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
    return checkRedis(this.options.link, this.writer.failing, signal);
  }

  /** Resolves once every event appended so far is in Redis. */
  drained(): Promise<void> {
    return this.writer.drained();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.control.stop();
    await this.writer.drained();
    this.writer.close();
    await this.options.disconnect();
  }

  /** Stops writing runs here (lost, or handed over); their readers here, woken, read on from Redis. */
  private release(runIds: readonly string[]): string[] {
    const released: string[] = [];
    for (const runId of runIds) {
      const run = this.own.get(runId);
      if (!run) continue;
      this.unacked -= this.writer.drop([runId]);
      this.own.delete(runId);
      run.log.end();
      run.markStored();
      released.push(runId);
    }
    return released;
  }

  /** Continues a run taken over: this instance writes it from its last seq on. */
  private adopt(taken: TakenRun): void {
    this.own.set(taken.runId, {
      meta: { runId: taken.runId, panel: taken.panel, createdAt: taken.createdAt },
      runIdJson: JSON.stringify(taken.runId),
      lastSeq: taken.lastSeq,
      snapshot: taken.snapshot,
      log: new EventLog(this.options.retention.max_events_per_run, taken.lastSeq),
      endedAt: undefined,
      ...storedFlag(true),
    });
    this.live.drop(taken.runId);
  }

  /** A batch is durable: its events become readable here, and a run that ended is complete. */
  private acked(batches: readonly RunBatch[]): void {
    for (const batch of batches) {
      this.unacked -= batch.events.length;
      const run = this.own.get(batch.runId);
      if (!run) continue;
      if (!run.inRedis) {
        run.inRedis = true;
        run.markStored();
      }
      for (const event of batch.events) run.log.push(event);
      if (batch.endedAt !== undefined) {
        // Ended and written: from now on Redis answers for it, as for any other instance's run
        // (retention may drop it there at any time). Its readers here, woken, read on from Redis.
        this.own.delete(batch.runId);
        run.log.end();
      }
    }
    if (this.unacked === 0) this.overflowing = false;
  }

  /** An event this instance holds in memory (its own runs, and the live ends it follows). */
  private localEvent(runId: string, seq: number): StoredEvent | undefined {
    return this.own.get(runId)?.log.after(seq - 1, 1)?.[0] ?? this.live.event(runId, seq);
  }

  private sweep(): void {
    this.live.sweep();
  }
}
