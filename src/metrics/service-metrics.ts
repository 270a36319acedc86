import type { EventDraft } from "../protocol/events.js";
import { PrometheusRegistry } from "./prometheus-registry.js";

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The service's `/metrics` (API.md §2): runs, agent streams by outcome, retries, events, TTFT
 * and duration histograms, readers and buffered events. `observe` sees every event as it enters
 * a run log; the gauges are read at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new PrometheusRegistry();
  private readonly runs = this.registry.counter("fanout_runs_total", "Runs ended, by status.");
  private readonly runsStarted = this.registry.counter("fanout_runs_started_total", "Runs started.");
  private readonly agents = this.registry.counter(
    "fanout_agent_streams_total",
    "Agent streams ended, by status.",
  );
  private readonly retries = this.registry.counter(
    "fanout_retries_total",
    "Agent retries, by mode and reason.",
  );
  private readonly events = this.registry.counter("fanout_events_total", "Events appended to run logs.");
  private readonly ttft = this.registry.histogram(
    "fanout_agent_ttft_seconds",
    "Upstream request to first text.",
    SECONDS,
  );
  private readonly duration = this.registry.histogram(
    "fanout_agent_duration_seconds",
    "Agent stream duration.",
    SECONDS,
  );

  private readonly wsStalledSockets = this.registry.counter(
    "fanout_ws_stalled_total",
    "WebSockets closed with 1008 because the client stopped reading.",
  );

  constructor(gauges: { readers: () => number; activeRuns: () => number; bufferedEvents: () => number }) {
    this.registry.gauge("fanout_readers", "Open SSE readers.", gauges.readers);
    this.registry.gauge("fanout_active_runs", "Runs in progress.", gauges.activeRuns);
    this.registry.gauge(
      "fanout_buffered_events",
      "Events waiting for runs' own streams (backpressure).",
      gauges.bufferedEvents,
    );
  }

  /** Counts a WebSocket closed because its client stopped reading (its send bound stayed full). */
  wsStalled(): void {
    this.wsStalledSockets();
  }

  observe(event: EventDraft): void {
    this.events();
    switch (event.type) {
      case "run.started":
        this.runsStarted();
        break;
      case "run.completed":
        this.runs({ status: event.status });
        break;
      case "agent.retry":
        this.retries({ mode: event.mode, reason: event.reason });
        break;
      case "agent.completed":
        this.agents({ status: event.status, ...(event.error ? { code: event.error.code } : {}) });
        if (event.metrics.ttft_ms !== null) this.ttft(event.metrics.ttft_ms / 1000);
        this.duration(event.metrics.duration_ms / 1000);
        break;
      default:
        break;
    }
  }
}
