import { createHash } from "node:crypto";
import {
  APPEND_SCRIPT,
  appendScriptArgs,
  type RunBatch,
  type ScriptRetention,
} from "./redis-append-script.js";
import type { RedisKeys } from "./redis-keys.js";

/** The one Redis call the writer needs; the store passes its client's `sendCommand`. */
export type SendCommand = (args: (string | Buffer)[]) => Promise<unknown>;

const SCRIPT_SHA = createHash("sha1").update(APPEND_SCRIPT).digest("hex");
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;
/** Flushes (round trips) on the wire at once. */
const MAX_IN_FLIGHT = 4;
/**
 * Events in one script call at most: a bigger tick (a burst, or the backlog of a Redis outage) is
 * split into several calls sent together (one socket write, one round trip), so no single script
 * holds Redis, or the answer's handling holds this process, for long.
 */
export const MAX_EVENTS_PER_CALL = 256;

/** What a writer has sent since it started; the bench reads it to judge round trips per tick. */
export interface WriterCounts {
  /** Turns in which the writer sent script calls: one socket write (node-redis pipelines a turn's commands), one round trip. */
  flushes: number;
  /** Script calls sent (EVALSHA, or EVAL after NOSCRIPT); more than `flushes` when a tick held more than {@link MAX_EVENTS_PER_CALL} events. */
  calls: number;
  /** Of `calls`, the EVALs sent because Redis did not have the script yet (once per Redis life): a second round trip for that flush. */
  scriptLoads: number;
}

/**
 * Writes the events of this instance's runs to Redis: everything appended in one tick goes out
 * in one flush (one round trip, not one per event): one script call, or several sent together
 * when the tick held more than {@link MAX_EVENTS_PER_CALL} events, with up to MAX_IN_FLIGHT
 * flushes on the wire (node-redis and Redis keep their order). A call that fails (Redis away) is sent
 * again, with backoff, together with what came meanwhile; the script skips what it already has,
 * so nothing is written twice. `acked` hears, in order, of every batch once it is durable.
 */
export class RedisRunWriter {
  /**
   * Segments in append order: consecutive events of one run share a segment, so the script
   * writes the firehose in the order events were appended across runs, not grouped by run.
   */
  private pending: RunBatch[] = [];
  /** Script calls on the wire. */
  private inFlight = 0;
  /** Flushes on the wire: a flush's calls are sent together and answered together. */
  private flushesInFlight = 0;
  /** Batches of calls that failed, in send order, waiting for the calls still in flight. */
  private failed: RunBatch[] = [];
  private scheduled = false;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  /** The error of the last failed flush, until one succeeds. */
  lastError: unknown = undefined;
  /** What was sent so far (read-only for everyone else). */
  readonly counts: WriterCounts = { flushes: 0, calls: 0, scriptLoads: 0 };

  /** Whether appends are waiting and the last try to write them failed (readiness). */
  get failing(): boolean {
    return (
      this.lastError !== undefined && (this.pending.length > 0 || this.inFlight > 0 || this.failed.length > 0)
    );
  }

  constructor(
    private readonly send: SendCommand,
    private readonly keys: RedisKeys,
    private readonly retention: ScriptRetention,
    private readonly lease: { owner: string; leaseMs: number },
    private readonly acked: (batches: readonly RunBatch[]) => void,
    /** Runs whose writes Redis refused because another instance holds them now (and how many events of theirs were refused). */
    private readonly fenced: (runIds: readonly string[], refused: number) => void,
  ) {}

  /**
   * The segment of `runId` that what is appended now goes into: the last one if it is this run's,
   * else a new one after it.
   */
  batchOf(runId: string, panel: string | null): RunBatch {
    let batch = this.pending.at(-1);
    if (batch?.runId !== runId) {
      batch = {
        runId,
        panel,
        createdAt: undefined,
        status: undefined,
        agents: undefined,
        endedAt: undefined,
        snapshot: undefined,
        plan: undefined,
        progress: new Map(),
        events: [],
      };
      this.pending.push(batch);
    }
    this.schedule();
    return batch;
  }

  /** Forgets what is pending for runs this instance no longer writes; returns the events dropped. */
  drop(runIds: readonly string[]): number {
    const kept = this.pending.filter((batch) => !runIds.includes(batch.runId));
    const dropped = countEvents(this.pending) - countEvents(kept);
    this.pending = kept;
    return dropped;
  }

  /** Resolves once everything appended so far is durable (or the writer closed). */
  drained(): Promise<void> {
    if ((this.pending.length === 0 && this.inFlight === 0 && this.failed.length === 0) || this.closed)
      return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private schedule(): void {
    if (this.scheduled || this.flushesInFlight >= MAX_IN_FLIGHT || this.retryTimer !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * Sends everything pending as one flush, in calls of at most MAX_EVENTS_PER_CALL events written
   * together, while fewer than MAX_IN_FLIGHT flushes are on the wire; so a tick's events never
   * wait for the previous tick's answer, and a backlog goes at the pace of round trips, not of
   * calls. What comes meanwhile waits for the next flush.
   */
  private flush(): void {
    if (this.closed || this.retryTimer !== undefined || this.failed.length > 0) return;
    if (this.flushesInFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.counts.flushes += 1;
    this.flushesInFlight += 1;
    let calls = 0;
    const sent = () => {
      if (--calls === 0) this.flushesInFlight -= 1;
    };
    while (this.pending.length > 0) {
      const batches = this.takeCall();
      calls += 1;
      this.inFlight += 1;
      this.call(batches).then(
        () => {
          sent();
          this.settled(batches, undefined);
        },
        (caught: unknown) => {
          sent();
          this.settled(batches, caught ?? new Error("the append script failed"));
        },
      );
    }
  }

  /**
   * The next call's batches: pending segments up to MAX_EVENTS_PER_CALL events, the last one cut
   * if it does not fit. The part sent first takes the run's creation (its meta must exist before
   * its events); the rest keeps what must be stored with the run's latest events: the agents'
   * progress (it covers every event appended before it) and the run's end.
   */
  private takeCall(): RunBatch[] {
    const batches: RunBatch[] = [];
    let room = MAX_EVENTS_PER_CALL;
    while (this.pending.length > 0) {
      const next = this.pending[0] as RunBatch;
      if (next.events.length <= room) {
        batches.push(next);
        this.pending.shift();
        room -= next.events.length;
        continue;
      }
      if (room > 0 || batches.length === 0) {
        const cut = Math.max(1, room);
        batches.push({
          ...next,
          status: undefined,
          agents: undefined,
          endedAt: undefined,
          snapshot: undefined,
          progress: new Map(),
          events: next.events.slice(0, cut),
        });
        next.createdAt = undefined;
        next.parent = undefined;
        next.plan = undefined;
        next.events = next.events.slice(cut);
      }
      break;
    }
    return batches;
  }

  /**
   * A call settled. One that failed puts its batches back, in send order, once the calls before
   * and after it have settled; the script refuses a gap, so no later call can write past them.
   */
  private settled(batches: readonly RunBatch[], error: unknown): void {
    this.inFlight -= 1;
    if (this.closed) return;
    if (error === undefined) {
      this.acked(batches);
      if (this.failed.length === 0) this.lastError = undefined;
    } else {
      const fenced = fencedRuns(error) ?? this.lostRuns(refusedRuns(error, "NORUN"));
      const kept = fenced ? batches.filter((batch) => !fenced.includes(batch.runId)) : batches;
      if (fenced) {
        // Lost to another instance: those runs' events must never reach the log; the rest go on.
        this.fenced(fenced, countEvents(batches) - countEvents(kept));
      } else if (!isGap(error) && refusedRuns(error, "NORUN") === undefined) {
        this.lastError = error;
      }
      this.failed.push(...kept);
    }
    if (this.failed.length > 0) {
      if (this.inFlight === 0) this.retry();
      return;
    }
    this.retryMs = 0;
    if (this.pending.length > 0) this.schedule();
    else if (this.inFlight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /**
   * Runs Redis does not have: lost (Redis restarted without its data), unless their creation is
   * in a call that failed before, which goes again first (then this is only a gap).
   */
  private lostRuns(runIds: string[] | undefined): string[] | undefined {
    if (!runIds) return undefined;
    const lost = runIds.filter((runId) => !this.failed.some((batch) => batch.runId === runId));
    return lost.length > 0 ? lost : undefined;
  }

  /** Every call has settled and some failed: their batches go first, after a backoff if Redis is away. */
  private retry(): void {
    this.requeue(this.failed.splice(0));
    if (this.lastError === undefined) return this.schedule();
    this.retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryMs * 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.retryMs);
  }

  /** Puts a failed flush back in front of what was appended meanwhile, in order. */
  private requeue(failed: readonly RunBatch[]): void {
    this.pending = [...failed, ...this.pending];
  }

  private async call(batches: readonly RunBatch[]): Promise<void> {
    const { keys, args } = appendScriptArgs(this.keys, this.retention, this.lease, batches);
    const tail = [String(keys.length), ...keys, ...args];
    this.counts.calls += 1;
    try {
      await this.send(["EVALSHA", SCRIPT_SHA, ...tail]);
    } catch (error) {
      // First use on this Redis (or after a restart): send the script itself, which caches it.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      this.counts.calls += 1;
      this.counts.scriptLoads += 1;
      await this.send(["EVAL", APPEND_SCRIPT, ...tail]);
    }
  }
}

/** A `GAP` refusal: a call before this one failed; its batches go again first. */
function isGap(error: unknown): boolean {
  return error instanceof Error && error.message.includes("GAP ");
}

/** The run ids of a `FENCED` refusal of the append script, or undefined for any other error. */
function fencedRuns(error: unknown): string[] | undefined {
  return refusedRuns(error, "FENCED");
}

/** The run ids of a refusal of the append script (`FENCED`, `NORUN`), or undefined. */
function refusedRuns(error: unknown, kind: string): string[] | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = new RegExp(`${kind} ([^\\n]*)`).exec(error.message);
  return match?.[1]?.split(" ").filter((id) => id.length > 0);
}

function countEvents(batches: readonly RunBatch[]): number {
  let count = 0;
  for (const batch of batches) count += batch.events.length;
  return count;
}
