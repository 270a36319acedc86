import type { SimSpeed } from "./agent-spec.js";
import { renderEvent } from "./event-template.js";
import { lettaDate } from "./letta-date.js";
import type { SimUsage } from "./letta-events.js";
import type { PlannedStep, RunPlan } from "./run-plan.js";

/**
 * Walks a {@link RunPlan} one unit at a time: in token mode a unit is one delta of up to
 * `chunk_tokens` tokens, in step mode one complete message; a tool return is a unit of its own.
 * It renders each unit's SSE frame and says how long the simulated model takes to produce it.
 */
export class PlanCursor {
  private stepIndex = 0;
  private partIndex = 0;
  private tokenIndex = 0;
  private toolReturnPending = false;
  private completionTokens = 0;
  private readonly msPerToken: number;

  constructor(
    private readonly plan: RunPlan,
    private readonly speed: SimSpeed,
  ) {
    this.msPerToken = speed.tokens_per_second > 0 ? 1000 / speed.tokens_per_second : 0;
  }

  /** Whether every unit has been rendered. */
  get done(): boolean {
    return this.stepIndex >= this.plan.steps.length;
  }

  /**
   * Milliseconds the model needs for the next unit: time to first token at the start of each
   * step, then the unit's tokens at the agent's rate. In step mode all of a step's time goes on
   * its first message, so the step's messages leave together when its last token would have.
   */
  nextCost(): number {
    if (this.toolReturnPending) return 0;
    const step = this.step();
    const atStepStart = this.partIndex === 0 && this.tokenIndex === 0;
    let cost = atStepStart ? this.speed.ttft_ms : 0;
    if (this.plan.tokenMode) {
      const part = step.parts[this.partIndex];
      const left = part === undefined ? 0 : part.tokens.length - this.tokenIndex;
      cost += Math.min(this.speed.chunk_tokens, left) * this.msPerToken;
    } else if (atStepStart) {
      cost += step.tokenCount * this.msPerToken;
    }
    return cost;
  }

  /** Renders the next unit's frame (with `seq` as its seq_id) and moves past it. */
  next(seq: number | null): string {
    const step = this.step();
    if (this.toolReturnPending) {
      this.toolReturnPending = false;
      this.nextStep();
      return step.toolReturn === null ? "" : renderEvent(step.toolReturn, lettaDate(), seq, "");
    }
    const part = step.parts[this.partIndex];
    if (part === undefined) throw new Error("PlanCursor: no current part");
    let chunk: string;
    if (this.plan.tokenMode) {
      const from = this.tokenIndex;
      const to = Math.min(from + this.speed.chunk_tokens, part.tokens.length);
      const fragment = to - from === 1 ? (part.tokens[from] ?? "") : part.tokens.slice(from, to).join("");
      const fragmentJson = JSON.stringify(fragment);
      const delta = part.toolDelta;
      const value =
        delta === null ? fragmentJson : (from === 0 ? delta.first : delta.rest) + fragmentJson + delta.suffix;
      chunk = renderEvent(part.template, lettaDate(), seq, value);
      this.completionTokens += to - from;
      this.tokenIndex = to;
      if (to >= part.tokens.length) this.nextPart(step);
    } else {
      chunk = renderEvent(part.template, lettaDate(), seq, part.fullJson);
      this.completionTokens += part.tokens.length;
      this.nextPart(step);
    }
    return chunk;
  }

  /** Usage of what has been rendered so far (for a run that stops early). */
  usageSoFar(): SimUsage {
    const midStep = this.partIndex > 0 || this.tokenIndex > 0 || this.toolReturnPending;
    const started = this.stepIndex + (midStep ? 1 : 0);
    const steps = this.plan.steps.length;
    const promptPerStep = steps === 0 ? 0 : this.plan.usage.promptTokens / steps;
    return {
      completionTokens: this.completionTokens,
      promptTokens: Math.round(promptPerStep * started),
      stepCount: started,
    };
  }

  private step(): PlannedStep {
    const step = this.plan.steps[this.stepIndex];
    if (step === undefined) throw new Error("PlanCursor: past the last step");
    return step;
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
}
