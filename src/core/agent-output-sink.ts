import type { AgentOptions } from "../protocol/agent-options.js";
import type { AgentEventDraft } from "../protocol/events.js";
import type { AgentMetricsTracker } from "./agent-metrics-tracker.js";
import type { AgentOutput, UpstreamItem } from "./agent-source.js";
import type { BackpressureGate } from "./backpressure-gate.js";
import { DeltaCoalescer } from "./delta-coalescer.js";
import type { IdleWatch } from "./idle-watch.js";
import { TextPacer } from "./text-pacer.js";
import { BackpressureOverflow } from "./classify-failure.js";

/**
 * The way out for one agent's events: include filter, `raw`, pacing, coalescing and
 * backpressure (API.md §1), in that order, then `emit`. `item` resolves when the agent may read
 * the next upstream message, which is how pacing and `pause` push back on Letta.
 */
export class AgentOutputSink {
  private readonly include: ReadonlySet<string>;
  private readonly pacer: TextPacer | undefined;
  private readonly coalescer: DeltaCoalescer;
  /** `coalesce` overflow: events held back (text merged) until the run's stream has room. */
  private held: AgentEventDraft[] | undefined;

  constructor(
    readonly agentId: string,
    private readonly options: AgentOptions,
    private readonly gate: BackpressureGate,
    private readonly metrics: AgentMetricsTracker,
    private readonly emit: (event: AgentEventDraft) => void,
    now: () => number,
  ) {
    this.include = new Set(options.include);
    const cps = options.rate_limit.chars_per_second;
    this.pacer = cps === null ? undefined : new TextPacer(cps, now);
    this.coalescer = new DeltaCoalescer(
      options.coalesce.max_chars,
      options.coalesce.max_delay_ms,
      this.release,
    );
  }

  /** A lifecycle event (started, retry, completed): passes every stage in order. */
  event(event: AgentEventDraft): void {
    this.coalescer.push(event);
  }

  /** An upstream stream opened (API.md §3 `agent.started`). */
  started(attempt: number, lettaRunId: string | undefined): void {
    this.event({
      type: "agent.started",
      agent_id: this.agentId,
      attempt,
      ...(lettaRunId === undefined ? {} : { letta_run_id: lettaRunId }),
    });
  }

  /**
   * One upstream message: its events go out, then the agent waits for room if it must. Returns
   * undefined when there is nothing to wait for (most messages): no promise per event then.
   */
  item(item: UpstreamItem, signal: AbortSignal, idle: IdleWatch): Promise<void> | undefined {
    if (this.options.raw) this.event({ type: "agent.letta", agent_id: this.agentId, message: item.raw });
    const { outputs } = item;
    for (let index = 0; index < outputs.length; index++) {
      const output = outputs[index] as AgentOutput;
      if (output.type === "delta") {
        this.metrics.text();
        if (!this.include.has(output.kind)) continue;
        if (this.pacer) return this.pacedRest(outputs, index, signal, idle);
      }
      const event = this.toEvent(output);
      if (event) this.event(event);
    }
    return this.makeRoom(signal, idle);
  }

  /** The rest of a message from `start` on (its delta there is paced), the slow path. */
  private async pacedRest(
    outputs: readonly AgentOutput[],
    start: number,
    signal: AbortSignal,
    idle: IdleWatch,
  ): Promise<void> {
    for (let index = start; index < outputs.length; index++) {
      const output = outputs[index] as AgentOutput;
      if (output.type === "delta") {
        if (index > start) this.metrics.text();
        if (!this.include.has(output.kind)) continue;
        await this.paced(output, signal, idle);
        continue;
      }
      const event = this.toEvent(output);
      if (event) this.event(event);
    }
    await this.makeRoom(signal, idle);
  }

  /** Flushes everything still held: the agent is about to end. */
  close(): void {
    this.coalescer.flush();
    const held = this.held;
    this.held = undefined;
    if (held) for (const event of held) this.out(event);
  }

  private async paced(
    output: Extract<AgentOutput, { type: "delta" }>,
    signal: AbortSignal,
    idle: IdleWatch,
  ): Promise<void> {
    const pacer = this.pacer;
    if (!pacer) return;
    for (const text of pacer.slices(output.text)) {
      idle.pause();
      await pacer.wait(text.length, signal);
      idle.resume();
      if (signal.aborted) return;
      this.event({
        type: "agent.delta",
        agent_id: this.agentId,
        message_id: output.message_id,
        kind: output.kind,
        text,
      });
      await this.makeRoom(signal, idle);
    }
  }

  /** Builds each event literally, `type` and `agent_id` first (the store stamps after `type`). */
  private toEvent(output: AgentOutput): AgentEventDraft | undefined {
    const agent_id = this.agentId;
    switch (output.type) {
      case "delta":
        return {
          type: "agent.delta",
          agent_id,
          message_id: output.message_id,
          kind: output.kind,
          text: output.text,
        };
      case "tool_call":
        if (!this.include.has("tool")) return undefined;
        return {
          type: "agent.tool_call",
          agent_id,
          message_id: output.message_id,
          tool_call_id: output.tool_call_id,
          ...(output.name === undefined ? {} : { name: output.name }),
          arguments_delta: output.arguments_delta,
        };
      case "tool_result":
        if (!this.include.has("tool")) return undefined;
        return {
          type: "agent.tool_result",
          agent_id,
          tool_call_id: output.tool_call_id,
          status: output.status,
          result: output.result,
        };
      case "usage":
        if (!this.include.has("usage")) return undefined;
        return {
          type: "agent.usage",
          agent_id,
          completion_tokens: output.completion_tokens,
          prompt_tokens: output.prompt_tokens,
          total_tokens: output.total_tokens,
          step_count: output.step_count,
        };
      case "stop":
      case "ping":
        return undefined;
    }
  }

  /** After the coalescer: straight out, or into the held queue while over the limit. */
  private readonly release = (event: AgentEventDraft): void => {
    const held = this.held;
    if (!held) return this.out(event);
    const last = held.at(-1);
    if (
      event.type === "agent.delta" &&
      last?.type === "agent.delta" &&
      last.message_id === event.message_id &&
      last.kind === event.kind
    ) {
      last.text += event.text;
    } else {
      held.push(event.type === "agent.delta" ? { ...event } : event);
    }
  };

  private out(event: AgentEventDraft): void {
    this.metrics.count(event);
    this.emit(event);
  }

  /** Undefined when the agent may go on at once (the common case: no promise per event). */
  private makeRoom(signal: AbortSignal, idle: IdleWatch): Promise<void> | undefined {
    const { max_buffered_events: limit, on_overflow } = this.options.backpressure;
    if (this.gate.pending(this.agentId) < limit) return undefined;
    if (on_overflow === "fail") {
      throw new BackpressureOverflow(limit);
    }
    if (on_overflow === "pause") {
      idle.pause();
      return this.gate.waitForRoom(this.agentId, limit, signal).then(() => idle.resume());
    }
    if (this.held) return undefined;
    this.held = [];
    void this.gate.waitForRoom(this.agentId, limit, signal).then(() => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const event of held) this.out(event);
    });
    return undefined;
  }
}
