import type { AgentEventDraft, AgentMetrics } from "../protocol/events.js";

/**
 * Accumulates one agent's metrics (API.md §3 agent `metrics`) as its events go out.
 * Times are ms since epoch from the injected clock.
 */
export class AgentMetricsTracker {
  attempts = 0;
  private startedAt: number | undefined;
  private firstRequestAt: number | undefined;
  private firstTextAt: number | undefined;
  private events = 0;
  private chars = 0;
  private completionTokens = 0;

  constructor(
    private readonly queuedAt: number,
    private readonly now: () => number,
  ) {}

  /** The agent left the queue. */
  start(): void {
    this.startedAt ??= this.now();
  }

  /** An upstream request is about to be made. */
  request(): void {
    this.firstRequestAt ??= this.now();
  }

  /** An upstream text fragment arrived (before any coalescing or pacing). */
  text(): void {
    this.firstTextAt ??= this.now();
  }

  /** An event of this agent went out. */
  count(event: AgentEventDraft): void {
    this.events += 1;
    if (event.type === "agent.delta") this.chars += event.text.length;
    else if (event.type === "agent.usage") this.completionTokens += event.completion_tokens;
  }

  /** Final figures, counting the `agent.completed` event that will carry them. */
  finish(): AgentMetrics {
    const end = this.now();
    const started = this.startedAt ?? end;
    const streamMs = this.firstTextAt === undefined ? 0 : end - this.firstTextAt;
    return {
      queued_ms: started - this.queuedAt,
      ttft_ms:
        this.firstTextAt === undefined || this.firstRequestAt === undefined
          ? null
          : this.firstTextAt - this.firstRequestAt,
      duration_ms: end - started,
      attempts: this.attempts,
      events: this.events + 1,
      chars: this.chars,
      completion_tokens: this.completionTokens,
      tokens_per_second:
        this.completionTokens > 0 && streamMs > 0
          ? Math.round((this.completionTokens / streamMs) * 1000 * 10) / 10
          : null,
    };
  }
}
