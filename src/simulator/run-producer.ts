import type { SimSpeed } from "./agent-spec.js";
import {
  CANCELLED_EVENT_CHUNK,
  CANCELLED_STOP_CHUNK,
  DONE_CHUNK,
  errorChunk,
  stopReasonChunk,
  usageChunk,
  type SimStopReason,
  type SimStreamError,
} from "./letta-events.js";
import { PlanCursor } from "./plan-cursor.js";
import type { RunPlan } from "./run-plan.js";
import type { DrainListener, RunSink } from "./run-sink.js";

/** A fault that acts on the run itself, at a position counted in agent message events. */
export type ProducerFault =
  | { readonly kind: "hold"; readonly afterEvents: number }
  | {
      readonly kind: "error";
      readonly afterEvents: number;
      readonly stopReason: SimStopReason;
      readonly error: SimStreamError;
    };

/** How a run ended. */
export interface RunOutcome {
  readonly status: "completed" | "failed" | "cancelled";
  readonly stopReason: SimStopReason;
}

/** What the producer reports to its owner. */
export interface ProducerHooks {
  /** A hold fault was reached. Return true when a release was already waiting (go on at once). */
  hold(producer: RunProducer): boolean;
  /** The run ended; its last chunk has been written. */
  finished(outcome: RunOutcome): void;
}

// Most units emitted in one macrotask before yielding, so that one agent at full speed cannot
// starve the others or the HTTP server.
const BATCH = 64;

const RUNNING = 0;
const WAITING_DRAIN = 1;
const HELD = 2;
const DONE = 3;

/**
 * Plays a {@link RunPlan} into a sink in real time: time to first token before each step, then
 * tokens at the agent's rate (token mode: one delta per `chunk_tokens`; step mode: the step's
 * messages together when its tokens would have finished). Runs one timer at a time, catches up
 * in batches when the event loop is late, stops on backpressure until the sink drains, and
 * applies `hold` and `error` faults at their event positions.
 */
export class RunProducer implements DrainListener {
  private readonly cursor: PlanCursor;
  private unitScheduled = false;
  private dueAt = 0;
  private events = 0;
  private faultIndex = 0;
  private state = RUNNING;
  private timeout: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** performance.now() of the first agent event, for the run's `ttft_ns`. */
  firstEventAt: number | null = null;

  constructor(
    private readonly plan: RunPlan,
    private readonly sink: RunSink,
    speed: SimSpeed,
    private readonly faults: readonly ProducerFault[],
    private readonly hooks: ProducerHooks,
  ) {
    this.cursor = new PlanCursor(plan, speed);
    sink.onDrain(this);
  }

  /** Starts producing on the next turn of the event loop. */
  start(): void {
    this.dueAt = performance.now();
    this.immediate = setImmediate(this.pump);
  }

  /** The sink drained (or its reader left): go on. */
  resume(): void {
    if (this.state !== WAITING_DRAIN) return;
    this.state = RUNNING;
    this.dueAt = Math.max(this.dueAt, performance.now());
    this.pump();
  }

  /** A test released the hold this run is paused at (`sim.release(agentId)`). */
  release(): void {
    if (this.state !== HELD) return;
    this.faultIndex++;
    this.state = RUNNING;
    this.dueAt = Math.max(this.dueAt, performance.now());
    this.immediate = setImmediate(this.pump);
  }

  /**
   * Cancels the run. A stream ends the way Letta's cancellation-aware wrapper ends it (letta-wire
   * §1.4: the spaced stop_reason, then `event: cancelled`); a JSON request ends the way the agent
   * loop does (stop_reason `cancelled`, usage, [DONE]). Returns false if the run had already ended.
   */
  cancel(): boolean {
    if (this.state === DONE) return false;
    this.clearTimers();
    this.state = DONE;
    if (this.sink.streaming) {
      this.sink.write(CANCELLED_STOP_CHUNK, "stop");
      this.sink.write(CANCELLED_EVENT_CHUNK, "cancel");
    } else {
      this.sink.write(stopReasonChunk("cancelled"), "stop");
      this.sink.write(usageChunk(this.cursor.usageSoFar()), "usage");
      this.sink.write(DONE_CHUNK, "done");
    }
    this.sink.end();
    this.hooks.finished({ status: "cancelled", stopReason: "cancelled" });
    return true;
  }

  /** Stops without writing anything more (the simulator is closing). */
  stop(): void {
    this.clearTimers();
    this.state = DONE;
  }

  private clearTimers(): void {
    if (this.timeout !== null) clearTimeout(this.timeout);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timeout = null;
    this.immediate = null;
  }

  private readonly pump = (): void => {
    this.timeout = null;
    this.immediate = null;
    if (this.state !== RUNNING) return;
    const now = performance.now();
    for (let budget = BATCH; ; budget--) {
      if (this.applyFaults()) return;
      if (this.cursor.done) return this.finish();
      if (!this.unitScheduled) {
        this.dueAt += this.cursor.nextCost();
        this.unitScheduled = true;
      }
      const wait = this.dueAt - now;
      if (wait > 0) {
        this.timeout = setTimeout(this.pump, wait);
        return;
      }
      if (budget === 0) {
        this.immediate = setImmediate(this.pump);
        return;
      }
      this.unitScheduled = false;
      this.events++;
      this.firstEventAt ??= performance.now();
      if (!this.sink.write(this.cursor.next(this.sink.nextSeq), "message")) {
        this.state = WAITING_DRAIN;
        return;
      }
    }
  };

  /** Applies the faults due at the current event count; true when the run must not go on now. */
  private applyFaults(): boolean {
    for (;;) {
      const fault = this.faults[this.faultIndex];
      if (fault === undefined || fault.afterEvents > this.events) return false;
      if (fault.kind === "error") {
        this.fail(fault.stopReason, fault.error);
        return true;
      }
      if (!this.hooks.hold(this)) {
        this.state = HELD;
        return true;
      }
      this.faultIndex++;
    }
  }

  private finish(): void {
    this.state = DONE;
    this.sink.write(stopReasonChunk(this.plan.stopReason), "stop");
    this.sink.write(usageChunk(this.plan.usage), "usage");
    this.sink.write(DONE_CHUNK, "done");
    this.sink.end();
    this.hooks.finished({ status: "completed", stopReason: this.plan.stopReason });
  }

  /** Letta's mid-stream error (letta-wire §2.5 shape 1): stop_reason, `event: error`, [DONE]. */
  private fail(stopReason: SimStopReason, error: SimStreamError): void {
    this.clearTimers();
    this.state = DONE;
    this.sink.write(stopReasonChunk(stopReason), "stop");
    this.sink.write(errorChunk(this.plan.runId, error, this.sink.nextSeq), "error");
    this.sink.write(DONE_CHUNK, "done");
    this.sink.end();
    this.hooks.finished({ status: "failed", stopReason });
  }
}
