import type { AgentEndStatus, EventDraft, RunEndStatus, RunMetrics } from "../protocol/events.js";

/**
 * Keeps score while a run goes: each agent's final status, the first text, the event count,
 * and what ended the run first. Decides the run status by API.md §3 "Run status".
 */
export class RunOutcome {
  private readonly agentStatus = new Map<string, AgentEndStatus | undefined>();
  private endedBy: RunEndStatus | undefined;
  private firstTextMs: number | undefined;
  /** run.started and run.completed count too. */
  private events = 2;

  constructor(agentIds: readonly string[]) {
    for (const id of agentIds) this.agentStatus.set(id, undefined);
  }

  /**
   * Starts from where another instance left the run (a takeover): the agents that had ended, and
   * the events already in the log.
   */
  resume(ended: Readonly<Record<string, AgentEndStatus>>, events: number): void {
    for (const [id, status] of Object.entries(ended))
      if (this.agentStatus.has(id)) this.agentStatus.set(id, status);
    this.events = events + 1;
  }

  /** What ended the run, if something did before all agents finished; the first one wins. */
  end(status: "cancelled" | "timed_out" | "completed"): void {
    if (this.unfinished().length === 0) return;
    this.endedBy ??= status;
  }

  observe(event: EventDraft, elapsedMs: number): void {
    this.events += 1;
    if (event.type === "agent.delta") this.firstTextMs ??= elapsedMs;
    else if (event.type === "agent.completed") this.agentStatus.set(event.agent_id, event.status);
  }

  completedCount(): number {
    let count = 0;
    for (const status of this.agentStatus.values()) if (status === "completed") count += 1;
    return count;
  }

  /** Agents that have not sent their `agent.completed` yet. */
  unfinished(): string[] {
    return [...this.agentStatus].filter(([, status]) => status === undefined).map(([id]) => id);
  }

  statuses(): Record<string, AgentEndStatus | undefined> {
    return Object.fromEntries(this.agentStatus);
  }

  status(): RunEndStatus {
    if (this.endedBy) return this.endedBy;
    const completed = this.completedCount();
    if (completed === this.agentStatus.size) return "completed";
    return completed > 0 ? "partial" : "failed";
  }

  metrics(durationMs: number): RunMetrics {
    let failed = 0;
    for (const status of this.agentStatus.values())
      if (status === "failed" || status === "timed_out") failed += 1;
    return {
      duration_ms: durationMs,
      ttft_ms: this.firstTextMs ?? null,
      agents_completed: this.completedCount(),
      agents_failed: failed,
      events: this.events,
    };
  }
}
