import { randomUUID } from "node:crypto";
import type { Subscription } from "rxjs";
import type { AgentSource } from "../core/agent-source.js";
import { fanOut, type FanOut } from "../core/fan-out.js";
import { overloaded } from "../errors.js";
import type { EventDraft } from "../protocol/events.js";
import type { EventStore } from "../store/event-store.js";
import type { PlannedRun } from "./plan-run.js";

/** A run this process is executing. */
export interface ActiveRun {
  runId: string;
  run: FanOut;
  /** Resolves when `run.completed` is in the log. */
  done: Promise<void>;
}

export interface RunServiceOptions {
  source: AgentSource;
  store: EventStore;
  maxActiveRuns: number;
  now?: () => number;
  random?: () => number;
  log?: (message: string, error?: unknown) => void;
  /** Sees every event as it enters a run log (metrics). */
  observe?: (event: EventDraft) => void;
}

/**
 * Starts runs and keeps the handles of those still going: each run's events are appended to
 * the store's run log in order, and the pacing reader's backpressure gate counts what it took.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun & { subscription: Subscription }>();
  private accepting = true;

  constructor(private readonly options: RunServiceOptions) {}

  /** True from the moment shutdown begins: new runs are refused and `/readyz` says so. */
  get stopping(): boolean {
    return !this.accepting;
  }

  /**
   * Starts a planned run. With `paced`, the run's own stream will report what it delivered
   * (backpressure), counted from the very first event. Throws 503 `overloaded` past
   * `limits.max_active_runs` or while shutting down.
   */
  start(planned: PlannedRun, { paced = false }: { paced?: boolean } = {}): ActiveRun {
    if (!this.accepting) {
      throw overloaded("The service is shutting down; retry on another instance.");
    }
    if (this.active.size >= this.options.maxActiveRuns) {
      throw overloaded(
        `${this.active.size} runs are already running (limits.max_active_runs); retry shortly.`,
      );
    }
    const { store } = this.options;
    const runId = `fr-${randomUUID()}`;
    store.createRun({ runId, panel: planned.panel, createdAt: (this.options.now ?? Date.now)() });
    const run = fanOut(planned.plan, {
      source: this.options.source,
      onInternalError: (agentId, cause) =>
        this.options.log?.(`run ${runId} agent ${agentId} ended with code internal`, cause),
      ...(this.options.now ? { now: this.options.now } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    if (paced) run.gate.attach();
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const finish = () => {
      this.active.delete(runId);
      resolveDone();
    };
    const subscription = run.events.subscribe({
      next: (draft) => {
        store.append(runId, draft);
        if ("agent_id" in draft) run.gate.appended(draft.agent_id);
        this.options.observe?.(draft);
      },
      error: (error: unknown) => {
        // runAgent never throws; reaching here is a bug. End the run so readers are not left hanging.
        this.options.log?.(`run ${runId} ended with code internal (its event stream failed)`, error);
        store.append(runId, {
          type: "run.completed",
          status: "failed",
          agents: {},
          metrics: { duration_ms: 0, ttft_ms: null, agents_completed: 0, agents_failed: 0, events: 0 },
        });
        finish();
      },
      complete: finish,
    });
    const active = { runId, run, done, subscription };
    if (!subscription.closed) this.active.set(runId, active);
    return active;
  }

  get(runId: string): ActiveRun | undefined {
    return this.active.get(runId);
  }

  get size(): number {
    return this.active.size;
  }

  /** Events waiting for runs' own streams, over all active runs. */
  bufferedEvents(): number {
    let total = 0;
    for (const { run } of this.active.values()) total += run.gate.pendingTotal();
    return total;
  }

  /**
   * Graceful shutdown: refuse new runs, let running ones finish for `graceMs`, then cancel the
   * rest and wait (bounded) for their `run.completed`.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    const all = () => Promise.all([...this.active.values()].map((run) => run.done));
    await Promise.race([all(), delay(graceMs)]);
    for (const run of this.active.values()) run.run.cancel();
    await Promise.race([all(), delay(5_000)]);
    for (const run of this.active.values()) run.subscription.unsubscribe();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
