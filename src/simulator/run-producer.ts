import type { SimSpeed } from "./agent-spec.js";
import { renderEvent } from "./event-template.js";
import { lettaDate } from "./letta-date.js";
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
import type { PlannedStep, RunPlan } from "./run-plan.js";
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
  private stepIndex = 0;
  private partIndex = 0;
  private tokenIndex = 0;
  private toolReturnPending = false;
  private unitScheduled = false;
  private dueAt = 0;
  private events = 0;
  private faultIndex = 0;
  private completionTokens = 0;
  private state = RUNNING;
  private timeout: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly msPerToken: number;
  /** performance.now() of the first agent event, for the run's `ttft_ns`. */
  firstEventAt: number | null = null;

  constructor(
    private readonly plan: RunPlan,
    private readonly sink: RunSink,
    private readonly speed: SimSpeed,
    private readonly faults: readonly ProducerFault[],
    private readonly hooks: ProducerHooks,
  ) {
    this.msPerToken = speed.tokens_per_second > 0 ? 1000 / speed.tokens_per_second : 0;
    sink.onDrain(this);
  }

  /** Whether the run is still producing (or paused). */
  get active(): boolean {
    return this.state !== DONE;
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
      this.sink.write(usageChunk(this.usageSoFar()), "usage");
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
      if (this.stepIndex >= this.plan.steps.length) return this.finish();
      if (!this.unitScheduled) {
        this.dueAt += this.nextUnitCost();
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
      if (!this.emitUnit()) {
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

  private currentStep(): PlannedStep {
    const step = this.plan.steps[this.stepIndex];
    if (step === undefined) throw new Error("RunProducer: no current step");
    return step;
  }

  private nextUnitCost(): number {
    if (this.toolReturnPending) return 0;
    const step = this.currentStep();
    const atStepStart = this.partIndex === 0 && this.tokenIndex === 0;
    let cost = atStepStart ? this.speed.ttft_ms : 0;
    if (this.plan.tokenMode) {
      const part = step.parts[this.partIndex];
      const left = part === undefined ? 0 : part.tokens.length - this.tokenIndex;
      cost += Math.min(this.speed.chunk_tokens, left) * this.msPerToken;
    } else if (atStepStart) {
      // Step mode: every message of the step goes out when its last token would have.
      cost += step.tokenCount * this.msPerToken;
    }
    return cost;
  }

  private emitUnit(): boolean {
    const step = this.currentStep();
    const sink = this.sink;
    let chunk: string;
    if (this.toolReturnPending) {
      chunk = step.toolReturn === null ? "" : renderEvent(step.toolReturn, lettaDate(), sink.nextSeq, "");
      this.toolReturnPending = false;
      this.nextStep();
    } else {
      const part = step.parts[this.partIndex];
      if (part === undefined) throw new Error("RunProducer: no current part");
      if (this.plan.tokenMode) {
        const from = this.tokenIndex;
        const to = Math.min(from + this.speed.chunk_tokens, part.tokens.length);
        const fragment = to - from === 1 ? (part.tokens[from] ?? "") : part.tokens.slice(from, to).join("");
        const delta = part.toolDelta;
        const fragmentJson = JSON.stringify(fragment);
        const value =
          delta === null
            ? fragmentJson
            : (from === 0 ? delta.first : delta.rest) + fragmentJson + delta.suffix;
        chunk = renderEvent(part.template, lettaDate(), sink.nextSeq, value);
        this.completionTokens += to - from;
        this.tokenIndex = to;
        if (to >= part.tokens.length) this.nextPart(step);
      } else {
        chunk = renderEvent(part.template, lettaDate(), sink.nextSeq, part.fullJson);
        this.completionTokens += part.tokens.length;
        this.nextPart(step);
      }
    }
    this.events++;
    this.firstEventAt ??= performance.now();
    return sink.write(chunk, "message");
  }

  private nextPart(step: PlannedStep): void {
    this.partIndex++;
    this.tokenIndex = 0;
    if (this.partIndex < step.parts.length) return;
    if (step.toolReturn !== null) this.toolReturnPending = true;
    else this.nextStep();
  }

  private nextStep(): void {
    this.stepIndex++;
    this.partIndex = 0;
    this.tokenIndex = 0;
  }

  private usageSoFar() {
    const started =
      this.stepIndex + (this.partIndex > 0 || this.tokenIndex > 0 || this.toolReturnPending ? 1 : 0);
    const perStep = this.plan.steps.length === 0 ? 0 : this.plan.usage.promptTokens / this.plan.steps.length;
    return {
      completionTokens: this.completionTokens,
      promptTokens: Math.round(perStep * started),
      stepCount: started,
    };
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
