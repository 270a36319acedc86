import { FanoutError } from "../client/fanout-error.js";
import type { FanoutEvent } from "../protocol/events.js";
import { applyEvent, emptySnapshot, type RunSnapshot } from "../protocol/run-snapshot.js";
import type { CachedRun } from "./run-cache.js";
import { agentView, IDLE_VIEW, type AgentView, type RunView } from "./run-view.js";

/** The longest a folded event waits before listeners hear of it: about one animation frame. */
export const VIEW_THROTTLE_MS = 16;

/**
 * Folds a run's events into a snapshot with the protocol's `applyEvent` (the service's own
 * reducer) and publishes an immutable RunView to listeners at most once per
 * `VIEW_THROTTLE_MS`, so a run of 1,000 events/s costs about 60 renders a second, not 1,000.
 * Agents without new events keep their AgentView object, so memoized panes skip re-rendering.
 * It fits `useSyncExternalStore` (`subscribe`, `getView`).
 */
export class RunViewStore {
  private view: RunView = IDLE_VIEW;
  private snapshot: RunSnapshot | undefined;
  private cursor: string | undefined;
  private eventCount = 0;
  private error: FanoutError | undefined;
  private starting = false;
  private dirty = new Set<string>();
  private allDirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly throttleMs = VIEW_THROTTLE_MS) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): RunView => this.view;

  /** The run being shown, if any. */
  get runId(): string | undefined {
    return this.snapshot?.run_id;
  }

  /** What to cache when the view stops following the run. */
  saved(): CachedRun | undefined {
    return this.snapshot && { snapshot: this.snapshot, cursor: this.cursor, eventCount: this.eventCount };
  }

  /** A run is being requested: clears the view. */
  begin(): void {
    this.replace(undefined, undefined);
    this.starting = true;
    this.publish();
  }

  /** Shows `runId`, from a cached state or from nothing. */
  show(runId: string, cached?: CachedRun): void {
    this.replace(cached?.snapshot ?? emptySnapshot(runId, Date.now()), cached);
    this.publish();
  }

  /**
   * Folds one event in (a repeat of one already folded is skipped) and schedules a publish.
   * A gap in `seq` stops folding with a `sequence_gap` error and returns false.
   */
  apply(event: FanoutEvent, cursor: string | undefined): boolean {
    const snapshot = this.snapshot;
    if (!snapshot || event.seq <= snapshot.last_seq) return true;
    if (event.seq !== snapshot.last_seq + 1) {
      this.fail(
        new FanoutError("sequence_gap", `Expected event ${snapshot.last_seq + 1} but got ${event.seq}.`),
      );
      return false;
    }
    applyEvent(snapshot, event);
    this.cursor = cursor;
    this.eventCount += 1;
    if ("agent_id" in event) this.dirty.add(event.agent_id);
    else this.allDirty = true;
    this.timer ??= setTimeout(this.publish, this.throttleMs);
    return true;
  }

  /** Shows an error (the run's text so far stays). */
  fail(error: FanoutError): void {
    this.error = error;
    this.starting = false;
    this.publish();
  }

  /** Publishes what is pending now (e.g. when a stream ended) and stops the timer. */
  readonly publish = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { snapshot } = this;
    const previous = this.view.runId === snapshot?.run_id ? this.view.agents : {};
    const agents: Record<string, AgentView> = {};
    for (const [agentId, agent] of Object.entries(snapshot?.agents ?? {})) {
      const kept = previous[agentId];
      agents[agentId] = kept && !this.allDirty && !this.dirty.has(agentId) ? kept : agentView(agent);
    }
    this.dirty.clear();
    this.allDirty = false;
    this.view = {
      runId: snapshot?.run_id,
      parentRunId: snapshot?.parent_run_id,
      status: snapshot?.status ?? (this.starting ? "starting" : "idle"),
      agents,
      eventCount: this.eventCount,
      error: this.error,
    };
    for (const listener of this.listeners) listener();
  };

  private replace(snapshot: RunSnapshot | undefined, cached: CachedRun | undefined): void {
    this.snapshot = snapshot;
    this.cursor = cached?.cursor;
    this.eventCount = cached?.eventCount ?? 0;
    this.error = undefined;
    this.starting = false;
    this.allDirty = true;
  }
}
