import type { AgentEventDraft } from "../protocol/events.js";

type DeltaDraft = Extract<AgentEventDraft, { type: "agent.delta" }>;

/**
 * Batches consecutive `agent.delta` events of one message into fewer, larger events
 * (API.md §1 `coalesce`): a batch grows to at most `maxChars` characters (0 = no size limit) and
 * waits at most `maxDelayMs` (0 = until the upstream has nothing more ready right now, i.e. the
 * next turn of the event loop). Any other event flushes the batch first, so order is kept.
 * With both limits 0 it is a pass-through.
 */
export class DeltaCoalescer {
  private batch: DeltaDraft | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly enabled: boolean;

  constructor(
    private readonly maxChars: number,
    private readonly maxDelayMs: number,
    private readonly emit: (event: AgentEventDraft) => void,
  ) {
    this.enabled = maxChars > 0 || maxDelayMs > 0;
  }

  push(event: AgentEventDraft): void {
    if (!this.enabled) return this.emit(event);
    if (event.type !== "agent.delta") {
      this.flush();
      return this.emit(event);
    }
    const batch = this.batch;
    if (batch && batch.message_id === event.message_id && batch.kind === event.kind) {
      if (this.maxChars === 0 || batch.text.length + event.text.length <= this.maxChars) {
        batch.text += event.text;
        if (this.maxChars > 0 && batch.text.length >= this.maxChars) this.flush();
        return;
      }
    }
    this.flush();
    this.batch = { ...event };
    if (this.maxChars > 0 && event.text.length >= this.maxChars) return this.flush();
    this.timer =
      this.maxDelayMs > 0
        ? setTimeout(() => this.flush(), this.maxDelayMs)
        : setImmediate(() => this.flush());
  }

  /** Emits the pending batch, if any. Called before the agent's final event. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    this.emit(batch);
  }
}
