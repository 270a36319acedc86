import type { EventDraft } from "../protocol/events.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { RunSummary } from "../protocol/run-summary.js";

/** One event in the run log, encoded once. */
export interface StoredEvent {
  readonly seq: number;
  readonly type: string;
  readonly agentId: string | undefined;
  readonly runId: string;
  /** The event's JSON (decoded from `frame` on demand: the store keeps the bytes only once). */
  readonly json: string;
  /** The whole SSE frame for run readers (`id:` is the run cursor), encoded once at append. */
  readonly frame: Buffer;
  /** Position in the firehose of all runs (`GET /v1/events`); the store chooses where they start. */
  readonly global: number;
}

export interface RunMeta {
  runId: string;
  panel: string | null;
  createdAt: number;
  /** What another instance needs to continue the run (a shared store keeps it while it runs). */
  plan?: unknown;
  /** A follow-up's parent: the store lists the follow-up in the parent's snapshot (`follow_ups`). */
  parentRunId?: string;
}

/** A slice of a log: the events after a cursor, and whether the log has ended with them. */
export interface ReadBatch {
  events: readonly StoredEvent[];
  ended: boolean;
}

/** A slice of the firehose; `next` is the position reached when it differs from the last event's. */
export interface FirehoseBatch extends ReadBatch {
  next?: number;
}

/**
 * The cursor cannot be read from (API.md §2 and §3: 410 `cursor_expired`): it points before the
 * oldest event still kept, or it is one this store never issued, e.g. from before a restart.
 */
export class CursorExpired extends Error {
  override readonly name = "CursorExpired";
  constructor(
    readonly oldestCursor: string,
    message = `That cursor is older than the events this service keeps; the oldest cursor kept is ${oldestCursor}.`,
  ) {
    super(message);
  }

  /** A cursor beyond anything the log issued: from another life of the store, or made up. */
  static notIssued(oldestCursor: string): CursorExpired {
    return new CursorExpired(
      oldestCursor,
      `This service never issued that cursor (it may be from before a restart); the oldest cursor kept is ${oldestCursor}. Read again without a cursor.`,
    );
  }
}

/** What `/readyz` says of the store. */
export type StoreState = "ok" | "unreachable" | "timeout" | "behind";

export type { RunSummary } from "../protocol/run-summary.js";

/**
 * A log followed without a promise or an AbortSignal per wait (see {@link EventStore.watchRun}):
 * `watch` calls `wake` once, when there is an event after `after` or the log has ended;
 * `unwatch` takes a pending `wake` back.
 */
export interface LogWatch {
  watch(after: number, wake: () => void): void;
  unwatch(wake: () => void): void;
}

/**
 * The run log (API.md §2 and §3): every event of every run with its gapless `seq`, readable from
 * any cursor by any number of readers, each at its own pace, plus a firehose of all runs.
 * Appends are synchronous and ordered; reads and waits are async so that a shared store
 * (Redis) can implement the same contract.
 */
export interface EventStore {
  createRun(meta: RunMeta): void;
  /**
   * Records how far an agent got upstream, with the events appended so far (a shared store keeps
   * it so that another instance can continue the agent; the memory store has no use for it).
   */
  progress(runId: string, agentId: string, progress: unknown): void;
  /** Stamps `run_id`, `seq` and `ts`, encodes the event once, and keeps it. */
  append(runId: string, draft: EventDraft): StoredEvent;
  /**
   * Resolves once every instance can read the run (its creation is durable), so that a client
   * may take the run id to any instance; at once in a store of one process. Waits at most
   * `timeoutMs` (a shared store that is unreachable must not hold the answer forever).
   */
  persisted(runId: string, timeoutMs: number): Promise<void>;
  hasRun(runId: string): Promise<boolean>;
  /**
   * Events with seq > `after`, at most `max`; `ended` once the run has ended and they reach its
   * last event (so a cursor at or past the end of an ended run reads `{ events: [], ended: true }`).
   * Throws CursorExpired when retention dropped events after `after`, or when the run is still
   * going and `after` is beyond its last seq: a cursor this log never issued.
   */
  readRun(runId: string, after: number, max: number): Promise<ReadBatch>;
  /** Resolves when the run has an event after `after`, or has ended, or `signal` aborts. */
  waitRun(runId: string, after: number, signal: AbortSignal): Promise<void>;
  /**
   * The run's log as a {@link LogWatch}, where this store can wait that way (an idle SSE reader
   * is then one entry in a waiters list); undefined means: use `waitRun`. Optional.
   */
  watchRun?(runId: string): LogWatch | undefined;
  /**
   * Firehose events with global position > `after`, at most `max` looked at; with `panel`, only
   * those of that panel's runs (`next` then says how far the cursor moved past the others). Throws CursorExpired when retention dropped
   * events after `after`, or when this store cannot have issued `after` (beyond its head, or
   * from another life of a store that does not outlive its process). The store decides which
   * positions it issued: the memory store starts each life at a base above every earlier one's
   * positions; a shared store (Redis) keeps its positions across restarts.
   */
  readFirehose(after: number, max: number, panel?: string): Promise<FirehoseBatch>;
  waitFirehose(after: number, signal: AbortSignal): Promise<void>;
  /** The firehose as a {@link LogWatch} (see `watchRun`); undefined means: use `waitFirehose`. */
  watchFirehose?(): LogWatch | undefined;
  /** The latest global position (a new firehose reader starts after it). */
  firehoseHead(): Promise<number>;
  snapshot(runId: string): Promise<RunSnapshot | undefined>;
  listRuns(limit: number, after: string | undefined): Promise<RunSummary[]>;
  /**
   * Whether the store can take and serve events now (`/readyz`): `ok`, or what is wrong, named
   * without any server text (`unreachable`, `timeout`, `behind`: appends are waiting to be written).
   */
  check(signal: AbortSignal): Promise<StoreState>;
  /** Stops timers; a shared store first writes what it still holds, then disconnects. */
  close(): Promise<void>;
}
