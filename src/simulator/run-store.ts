import { newRunId } from "./letta-ids.js";
import type { SimStopReason } from "./letta-events.js";
import type { RunLog } from "./run-log.js";
import type { RunOutcome, RunProducer } from "./run-producer.js";

/** Letta's run statuses (letta-wire §1.7). */
export type SimRunStatus = "created" | "running" | "completed" | "failed" | "cancelled";

/** One run the simulator knows about. */
export interface SimRun {
  readonly id: string;
  readonly agentId: string;
  /** The run's `conversation_id`: its conversation in conversation mode, else null (letta-wire §1.7). */
  readonly conversationId: string | null;
  readonly background: boolean;
  /** Date.now() at creation. */
  readonly createdAt: number;
  status: SimRunStatus;
  stopReason: SimStopReason | null;
  completedAt: number | null;
  ttftNs: number | null;
  totalDurationNs: number | null;
  /** The producer while the run is active. */
  producer: RunProducer | null;
  /** The chunk log of a background run (null once expired, or for foreground runs). */
  log: RunLog | null;
}

/** Filters of `GET /v1/runs/` (letta-wire §1.7). */
export interface RunListQuery {
  readonly agentId: string | undefined;
  readonly conversationId: string | undefined;
  readonly statuses: readonly string[];
  readonly active: boolean;
  readonly background: boolean | undefined;
  readonly limit: number;
  readonly order: "asc" | "desc";
  readonly after: string | undefined;
  readonly before: string | undefined;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Whether a run is still going (what cancel looks for, letta-wire §1.4). */
export function isActive(run: SimRun): boolean {
  return run.status === "created" || run.status === "running";
}

/** The `Run` JSON of the spec, in its key order. */
export function runJson(run: SimRun): Record<string, unknown> {
  return {
    id: run.id,
    status: run.status,
    created_at: new Date(run.createdAt).toISOString(),
    completed_at: isoOrNull(run.completedAt),
    agent_id: run.agentId,
    conversation_id: run.conversationId,
    base_template_id: null,
    background: run.background,
    metadata: null,
    request_config: {
      use_assistant_message: true,
      assistant_message_tool_name: "send_message",
      assistant_message_tool_kwarg: "message",
      include_return_message_types: null,
    },
    stop_reason: run.stopReason,
    callback_url: null,
    callback_sent_at: null,
    callback_status_code: null,
    callback_error: null,
    ttft_ns: run.ttftNs,
    total_duration_ns: run.totalDurationNs,
  };
}

// Finished runs kept for GET /v1/runs; older ones are forgotten so a long benchmark stays small.
const MAX_FINISHED_RUNS = 10_000;

/**
 * The runs of the simulator, in creation order. Background chunk logs are freed when the run's
 * TTL passes (Letta's Redis streams expire after 3 h, letta-wire §1.3), and, so that a demo that
 * runs for hours stays small, once more than `maxRunLogs` finished runs keep one (oldest first).
 */
export class RunStore {
  private readonly runs = new Map<string, SimRun>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();
  /** Finished background runs that still hold their chunk log, oldest first. */
  private readonly finishedLogs = new Set<SimRun>();
  private finished = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxRunLogs = Number.POSITIVE_INFINITY,
  ) {}

  /** Creates a run in status `created`. */
  create(agentId: string, background: boolean, conversationId: string | null = null): SimRun {
    const run: SimRun = {
      id: newRunId(),
      agentId,
      conversationId,
      background,
      createdAt: Date.now(),
      status: "created",
      stopReason: null,
      completedAt: null,
      ttftNs: null,
      totalDurationNs: null,
      producer: null,
      log: null,
    };
    this.runs.set(run.id, run);
    return run;
  }

  /** Schedules freeing a background run's log when its TTL passes. */
  scheduleExpiry(run: SimRun): void {
    const timer = setTimeout(() => {
      this.expiryTimers.delete(timer);
      this.freeLog(run);
    }, this.ttlMs);
    timer.unref();
    this.expiryTimers.add(timer);
  }

  /** Whether the run was created longer ago than the TTL (resume → 410). */
  isExpired(run: SimRun): boolean {
    return Date.now() - run.createdAt >= this.ttlMs;
  }

  get(runId: string): SimRun | undefined {
    return this.runs.get(runId);
  }

  /** Records how a run ended. */
  finish(run: SimRun, outcome: RunOutcome, startedAt: number): void {
    const producer = run.producer;
    run.status = outcome.status;
    run.stopReason = outcome.stopReason;
    run.completedAt = Date.now();
    const now = performance.now();
    run.totalDurationNs = Math.round((now - startedAt) * 1e6);
    const first = producer?.firstEventAt ?? null;
    run.ttftNs = first === null ? null : Math.round((first - startedAt) * 1e6);
    run.producer = null;
    if (run.log !== null) {
      this.finishedLogs.add(run);
      for (const oldest of this.finishedLogs) {
        if (this.finishedLogs.size <= this.maxRunLogs) break;
        this.freeLog(oldest);
      }
    }
    if (++this.finished > MAX_FINISHED_RUNS) this.evictOldest();
  }

  /** Frees a background run's chunk log: a resume of it is then answered 410. */
  private freeLog(run: SimRun): void {
    run.log?.expire();
    run.log = null;
    this.finishedLogs.delete(run);
  }

  private evictOldest(): void {
    for (const [id, run] of this.runs) {
      if (isActive(run) || run.log !== null) continue;
      this.runs.delete(id);
      this.finished--;
      return;
    }
  }

  /** Active runs of an agent, newest first. */
  activeFor(agentId: string): SimRun[] {
    return [...this.runs.values()].filter((run) => run.agentId === agentId && isActive(run)).reverse();
  }

  /** Active runs of a conversation (by the runs' `conversation_id`), newest first. */
  activeIn(conversationId: string): SimRun[] {
    return [...this.runs.values()]
      .filter((run) => run.conversationId === conversationId && isActive(run))
      .reverse();
  }

  /** Runs matching a `GET /v1/runs/` query. */
  list(query: RunListQuery): SimRun[] {
    let runs = [...this.runs.values()].filter(
      (run) =>
        (query.agentId === undefined || run.agentId === query.agentId) &&
        (query.conversationId === undefined || run.conversationId === query.conversationId) &&
        (query.statuses.length === 0 || query.statuses.includes(run.status)) &&
        (!query.active || isActive(run)) &&
        (query.background === undefined || run.background === query.background),
    );
    if (query.order === "desc") runs.reverse();
    if (query.after !== undefined) {
      const index = runs.findIndex((run) => run.id === query.after);
      runs = index < 0 ? [] : runs.slice(index + 1);
    }
    if (query.before !== undefined) {
      const index = runs.findIndex((run) => run.id === query.before);
      runs = index < 0 ? [] : runs.slice(0, index);
    }
    return runs.slice(0, query.limit);
  }

  /** Stops every producer and timer (the simulator is closing). */
  close(): void {
    for (const run of this.runs.values()) run.producer?.stop();
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
  }
}
