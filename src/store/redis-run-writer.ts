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
/** Script calls on the wire at once. */
const MAX_IN_FLIGHT = 4;

/**
 * Writes the events of this instance's runs to Redis: everything appended in one tick goes out
 * as one script call (one round trip, not one per event), one call in flight at a time so that
 * logs stay in order. A call that fails (Redis away) is sent again, with backoff, together with
 * what came meanwhile; the script skips what it already has, so nothing is written twice. `acked`
 * hears, in order, of every batch once it is durable.
 */
export class RedisRunWriter {
  /**
   * Segments in append order: consecutive events of one run share a segment, so the script
   * writes the firehose in the order events were appended across runs, not grouped by run.
   */
  private pending: RunBatch[] = [];
  private inFlight = 0;
  /** Batches of calls that failed, in send order, waiting for the calls still in flight. */
  private failed: RunBatch[] = [];
  private scheduled = false;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  /** The error of the last failed flush, until one succeeds. */
  lastError: unknown = undefined;

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

  /** Read through a call: `closed` may change while a flush waits for Redis. */
  private isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.retryTimer !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /**
   * Sends what is pending as one script call, with up to MAX_IN_FLIGHT calls on the wire at once
   * (node-redis and Redis keep their order), so a tick's events never wait for the previous
   * tick's answer. A call that fails puts its batches back, in send order, once the calls before
   * and after it have settled; the script refuses a gap, so no later call can write past them.
   */
  private async flush(): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT || this.closed || this.pending.length === 0) return;
    if (this.retryTimer !== undefined || this.failed.length > 0) return;
    const batches = this.pending;
    this.pending = [];
    this.inFlight += 1;
    let error: unknown;
    try {
      await this.call(batches);
    } catch (caught) {
      error = caught ?? new Error("the append script failed");
    }
    this.inFlight -= 1;
    if (this.isClosed()) return;
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
    if (this.inFlight > 0) return;
    if (this.failed.length > 0) return this.retry();
    this.retryMs = 0;
    if (this.pending.length > 0) this.schedule();
    else for (const resolve of this.drainWaiters.splice(0)) resolve();
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
      void this.flush();
    }, this.retryMs);
  }

  /** Puts a failed flush back in front of what was appended meanwhile, in order. */
  private requeue(failed: readonly RunBatch[]): void {
    this.pending = [...failed, ...this.pending];
  }

  private async call(batches: readonly RunBatch[]): Promise<void> {
    const { keys, args } = appendScriptArgs(this.keys, this.retention, this.lease, batches);
    const tail = [String(keys.length), ...keys, ...args];
    try {
      await this.send(["EVALSHA", SCRIPT_SHA, ...tail]);
    } catch (error) {
      // First use on this Redis (or after a restart): send the script itself, which caches it.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
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
