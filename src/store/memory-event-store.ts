import type { EventDraft } from "../protocol/events.js";
import { stampJson } from "./stamp-json.js";
import { emptySnapshot, foldEvent, type RunSnapshot } from "../protocol/run-snapshot.js";
import { EventLog } from "./event-log.js";
import { FrameSlab } from "./frame-slab.js";
import { eventFrameText } from "../protocol/sse-frame.js";
import {
  CursorExpired,
  type EventStore,
  type FirehoseBatch,
  type LogWatch,
  type ReadBatch,
  type RunMeta,
  type RunSummary,
  type StoreState,
  type StoredEvent,
} from "./event-store.js";

export interface RetentionOptions {
  run_ttl_s: number;
  max_events_per_run: number;
  max_firehose_events: number;
  max_runs: number;
}

interface RunEntry {
  meta: RunMeta;
  /** The run id as a JSON string literal, stamped into every event. */
  runIdJson: string;
  log: EventLog;
  /** Where the run's frames are encoded (see FrameSlab). */
  frames: FrameSlab;
  snapshot: RunSnapshot;
  endedAt: number | undefined;
}

/** How often ended runs past their TTL are swept away. */
const SWEEP_MS = 30_000;

/**
 * Firehose positions per millisecond of the store's start time. Each life of the store starts
 * its positions at `start ms × 1000`, so every cursor of an earlier life (which would have had
 * to issue more than a million events per second to catch up) is below the oldest one kept and
 * gets 410, like an expired cursor, instead of an endless wait for a position nobody will reach.
 * Positions stay safe integers (16 digits) until the year 2255.
 */
const FIREHOSE_POSITIONS_PER_MS = 1000;

/**
 * The single-process run log (config `store: memory`). Holds each run's encoded events and its
 * folded snapshot; drops runs `run_ttl_s` after they end and the oldest ended runs beyond
 * `max_runs`. Nothing outlives the process: a firehose cursor from before a restart is refused
 * (see FIREHOSE_POSITIONS_PER_MS), and the runs it named are gone (404).
 */
export class MemoryEventStore implements EventStore {
  private readonly runs = new Map<string, RunEntry>();
  private readonly firehose: EventLog;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly retention: RetentionOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.firehose = new EventLog(
      retention.max_firehose_events,
      Math.floor(now()) * FIREHOSE_POSITIONS_PER_MS,
    );
    this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_MS, retention.run_ttl_s * 1000)).unref();
  }

  createRun(meta: RunMeta): void {
    const parent = meta.parentRunId === undefined ? undefined : this.runs.get(meta.parentRunId);
    if (parent) (parent.snapshot.follow_ups ??= []).push(meta.runId);
    this.runs.set(meta.runId, {
      meta,
      runIdJson: JSON.stringify(meta.runId),
      log: new EventLog(this.retention.max_events_per_run),
      frames: new FrameSlab(),
      snapshot: emptySnapshot(meta.runId, meta.createdAt),
      endedAt: undefined,
    });
    this.evictOverflow();
  }

  progress(): void {
    // One process: nobody else could continue a run, so progress is not kept.
  }

  append(runId: string, draft: EventDraft): StoredEvent {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`append to unknown run ${runId}`);
    const seq = run.log.head + 1;
    const ts = this.now();
    const agentId = "agent_id" in draft ? draft.agent_id : undefined;
    const json = stampJson(draft, run.runIdJson, seq, ts);
    const frame = eventFrameText(seq, draft.type, json);
    const stored = run.frames.frame(seq, draft.type, agentId, runId, this.firehose.head + 1, frame);
    foldEvent(run.snapshot, draft, seq, ts);
    run.log.push(stored);
    this.firehose.push(stored);
    if (draft.type === "run.completed") {
      run.endedAt = this.now();
      run.log.end();
    }
    return stored;
  }

  persisted(): Promise<void> {
    return Promise.resolve();
  }

  hasRun(runId: string): Promise<boolean> {
    return Promise.resolve(this.runs.has(runId));
  }

  readRun(runId: string, after: number, max: number): Promise<ReadBatch> {
    const log = this.runs.get(runId)?.log;
    if (!log) return Promise.reject(new CursorExpired("0"));
    // At or past the end of an ended run: nothing more will ever come (API.md §3: 204).
    if (log.ended && after >= log.head) return Promise.resolve({ events: [], ended: true });
    const events = log.after(after, max);
    if (!events) return Promise.reject(cursorOutside(log, after));
    const last = events.at(-1);
    return Promise.resolve({ events, ended: log.ended && (last?.seq ?? after) >= log.head });
  }

  waitRun(runId: string, after: number, signal: AbortSignal): Promise<void> {
    return this.runs.get(runId)?.log.wait(after, signal) ?? Promise.resolve();
  }

  watchRun(runId: string): LogWatch | undefined {
    return this.runs.get(runId)?.log;
  }

  readFirehose(after: number, max: number, panel?: string): Promise<FirehoseBatch> {
    const events = this.firehose.after(after, max);
    if (!events) return Promise.reject(cursorOutside(this.firehose, after));
    const last = events.at(-1);
    if (panel === undefined || !last) return Promise.resolve({ events, ended: false });
    // Events of other panels are skipped, but the cursor still moves past them.
    const ofPanel = events.filter((event) => this.runs.get(event.runId)?.meta.panel === panel);
    return Promise.resolve({ events: ofPanel, ended: false, next: last.global });
  }

  waitFirehose(after: number, signal: AbortSignal): Promise<void> {
    return this.firehose.wait(after, signal);
  }

  watchFirehose(): LogWatch {
    return this.firehose;
  }

  firehoseHead(): Promise<number> {
    return Promise.resolve(this.firehose.head);
  }

  snapshot(runId: string): Promise<RunSnapshot | undefined> {
    return Promise.resolve(this.runs.get(runId)?.snapshot);
  }

  listRuns(limit: number, after: string | undefined): Promise<RunSummary[]> {
    const newestFirst = [...this.runs.values()].reverse();
    const start = after === undefined ? 0 : newestFirst.findIndex((run) => run.meta.runId === after) + 1;
    return Promise.resolve(newestFirst.slice(start, start + limit).map(summarize));
  }

  check(): Promise<StoreState> {
    return Promise.resolve("ok");
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private sweep(): void {
    const cutoff = this.now() - this.retention.run_ttl_s * 1000;
    for (const [id, run] of this.runs)
      if (run.endedAt !== undefined && run.endedAt < cutoff) this.runs.delete(id);
  }

  private evictOverflow(): void {
    if (this.runs.size <= this.retention.max_runs) return;
    for (const [id, run] of this.runs) {
      if (this.runs.size <= this.retention.max_runs) break;
      if (run.endedAt !== undefined) this.runs.delete(id);
    }
  }
}

function summarize(run: RunEntry): RunSummary {
  const { snapshot } = run;
  return {
    run_id: snapshot.run_id,
    status: snapshot.status,
    created_at: snapshot.created_at,
    ...(snapshot.completed_at === undefined ? {} : { completed_at: snapshot.completed_at }),
    panel: run.meta.panel,
    agents: Object.keys(snapshot.agents).length,
  };
}

/** Why `log` cannot be read after `after`: retention dropped what follows, or it never got there. */
function cursorOutside(log: EventLog, after: number): CursorExpired {
  const oldest = String(log.oldestCursor);
  return after > log.head ? CursorExpired.notIssued(oldest) : new CursorExpired(oldest);
}
