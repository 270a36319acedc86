import { randomUUID } from "node:crypto";
import type { Subscription } from "rxjs";
import type { AgentSource } from "../core/agent-source.js";
import type { AgentProgress } from "../core/agent-progress.js";
import type { ConversationTurns } from "../core/conversation-turns.js";
import { fanOut, type FanOut, type RunContinuation, type RunPlan } from "../core/fan-out.js";
import { overloaded } from "../errors.js";
import type { EventDraft } from "../protocol/events.js";
import type { EventStore } from "../store/event-store.js";
import type { RunControl } from "../store/run-control.js";
import type { TakenRun } from "../store/redis-takeover.js";
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
  /** One writer per Letta conversation across runs (and instances, with Redis). */
  turns: ConversationTurns;
  store: EventStore;
  maxActiveRuns: number;
  now?: () => number;
  random?: () => number;
  log?: (message: string, error?: unknown) => void;
  /** Sees every event as it enters a run log (metrics). */
  observe?: (event: EventDraft) => void;
  /** Other instances (Redis): a stopping instance hands its runs to them instead of cancelling. */
  control?: RunControl;
}

/**
 * Starts runs and keeps the handles of those still going: each run's events are appended to
 * the store's run log in order, and the pacing reader's backpressure gate counts what it took.
 */
export class RunService {
  private readonly active = new Map<
    string,
    ActiveRun & {
      subscription: Subscription;
      resolveDone: () => void;
      /** The store has no log for the run any more (see `abandon`): its events go nowhere. */
      detached: { value: boolean };
    }
  >();
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
    const runId = `fr-${randomUUID()}`;
    const createdAt = (this.options.now ?? Date.now)();
    this.options.store.createRun({
      runId,
      panel: planned.panel,
      createdAt,
      plan: planned.plan,
      ...(planned.plan.parentRunId === undefined ? {} : { parentRunId: planned.plan.parentRunId }),
    });
    return this.execute(runId, planned.plan, paced, undefined);
  }

  /**
   * Continues a run that another instance started and can no longer finish (it died, froze or
   * handed it over): the store has made this instance its writer; the run goes on from its last
   * seq, resuming each agent where its progress says (API.md §6).
   */
  continueRun(taken: TakenRun): void {
    if (!this.accepting || this.active.has(taken.runId)) return;
    const plan = taken.plan as RunPlan | undefined;
    if (plan === undefined) {
      this.options.log?.(`run ${taken.runId} was taken over but has no stored plan; it cannot be continued`);
      return;
    }
    if (taken.lastSeq === 0) {
      // Its last owner stopped before `run.started` was in the log (e.g. while it made the run's new
      // conversations): nothing was sent to any agent yet, so the run starts here from the beginning.
      this.execute(taken.runId, plan, false, undefined);
      return;
    }
    this.execute(taken.runId, plan, false, {
      startedAt: taken.createdAt,
      ended: taken.ended,
      progress: taken.progress as Record<string, AgentProgress>,
      events: taken.lastSeq,
      conversations: Object.fromEntries(
        Object.entries(taken.snapshot.agents).flatMap(([agentId, agent]) =>
          agent.conversation_id === undefined ? [] : [[agentId, agent.conversation_id]],
        ),
      ),
    });
  }

  /**
   * Stops a run here without a word in its log and without cancelling its agents at Letta:
   * another instance writes it now (it took the run over, or this one handed it over).
   */
  lose(runId: string): void {
    const active = this.active.get(runId);
    if (!active) return;
    active.run.handOver();
    active.subscription.unsubscribe();
    this.active.delete(runId);
    active.resolveDone();
  }

  /**
   * Ends a run whose log the store lost (Redis restarted without its data): nobody can continue
   * it, so its agents are cancelled as `POST /v1/runs/{id}/cancel` does (streams aborted, Letta's
   * cancel called), lest Letta go on spending tokens for no one. What the run still emits (its
   * agents' `cancelled`, its `run.completed`) has no log to go to and is dropped; the run leaves
   * this service once its agents have stopped.
   */
  abandon(runId: string): void {
    const active = this.active.get(runId);
    if (!active || active.detached.value) return;
    active.detached.value = true;
    active.run.gate.detach();
    active.run.cancel();
  }

  private execute(
    runId: string,
    plan: RunPlan,
    paced: boolean,
    continuation: RunContinuation | undefined,
  ): ActiveRun {
    const { store } = this.options;
    const run = fanOut(plan, {
      runId,
      source: this.options.source,
      turns: this.options.turns,
      onInternalError: (agentId, cause) =>
        this.options.log?.(`run ${runId} agent ${agentId} ended with code internal`, cause),
      onProgress: (agentId, progress) => store.progress(runId, agentId, progress),
      ...(continuation ? { continuation } : {}),
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
    const detached = { value: false };
    const subscription = run.events.subscribe({
      next: (draft) => {
        if (detached.value) return;
        store.append(runId, draft);
        if ("agent_id" in draft) run.gate.appended(draft.agent_id);
        this.options.observe?.(draft);
      },
      error: (error: unknown) => {
        // runAgent never throws; reaching here is a bug. End the run so readers are not left hanging.
        this.options.log?.(`run ${runId} ended with code internal (its event stream failed)`, error);
        if (!detached.value)
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
    const active = { runId, run, done, subscription, resolveDone, detached };
    if (!subscription.closed) this.active.set(runId, active);
    return active;
  }

  get(runId: string): ActiveRun | undefined {
    return this.active.get(runId);
  }

  /**
   * Ends every running run: its agents that are still going end `failed` with code `internal`
   * and `message`, logged once per run (the event store cannot keep up).
   */
  failAll(message: string): void {
    for (const [runId, active] of this.active) {
      this.options.log?.(`run ${runId} ended with code internal: ${message}`);
      active.run.fail(message);
    }
  }

  /** The runs this instance is executing now. */
  runIds(): string[] {
    return [...this.active.keys()];
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
   * Graceful shutdown: refuse new runs; when another instance is alive (Redis), hand the running
   * ones over to it at once; alone, let them finish for `graceMs`, then cancel the rest and wait
   * (bounded) for their `run.completed`.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    const control = this.options.control;
    if (control && this.active.size > 0 && (await control.othersAlive().catch(() => false))) {
      // Another instance is alive: it continues these runs at once (API.md §6), none is cancelled.
      const runIds = [...this.active.keys()];
      for (const runId of runIds) this.lose(runId);
      await control.handOver(runIds);
      return;
    }
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
