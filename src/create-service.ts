import { LocalConversationTurns, type ConversationTurns } from "./core/conversation-turns.js";
import type { Hono } from "hono";
import { createApp } from "./app.js";
import type { FanoutConfig } from "./config/index.js";
import type { AgentSource } from "./core/agent-source.js";
import { RunRateLimiter } from "./http/run-rate-limiter.js";
import { corsHeaders } from "./http/cors-headers.js";
import { SseHub } from "./http/sse-hub.js";
import { WsHub } from "./http/ws-hub.js";
import { RunService } from "./runs/run-service.js";
import type { TagResolver } from "./runs/plan-run.js";
import { ServiceMetrics } from "./metrics/service-metrics.js";
import { createScrubber } from "./scrub-secrets.js";
import type { EventStore } from "./store/event-store.js";
import { MemoryEventStore } from "./store/memory-event-store.js";
import { localRunControl, type RunControl } from "./store/run-control.js";
import { createLettaAgentSource } from "./upstream/letta/letta-agent-source.js";
import { createLettaClient } from "./upstream/letta/create-letta-client.js";
import { listAgentsByTags } from "./upstream/letta/list-agents-by-tags.js";
import { probeLetta } from "./upstream/letta/probe-letta.js";

export interface ServiceOptions {
  config: FanoutConfig;
  /** The Letta base URL in use (the configured one, or the in-process simulator's). */
  baseUrl: string;
  apiKey: string | null;
  authTokens: readonly string[];
  log: (message: string, error?: unknown) => void;
  /** Tests may swap the upstream; by default it is the Letta SDK. */
  source?: AgentSource;
  /**
   * The run log; by default a memory store (config `store: memory`). A Redis store is connected
   * before the service is built (see `connectRedisStore`): the service closes it on shutdown.
   */
  store?: EventStore;
  /** How cancel requests reach the instance running a run; by default this process only. */
  control?: RunControl;
  /** One writer per Letta conversation; by default within this process only. */
  turns?: ConversationTurns;
}

/** A wired service: the Hono app plus the parts a server and a shutdown need. */
export interface Service {
  app: Hono;
  runs: RunService;
  hub: SseHub;
  /** The WebSocket side; pass `websocket` to `serve({ ..., websocket })` (@hono/node-server). */
  ws: WsHub;
  websocket: WsHub["websocket"];
  /** Graceful stop: refuse new runs, let running ones finish within the grace, end readers. */
  shutdown(graceMs: number): Promise<void>;
}

/** Builds the whole service from a parsed config; it does not listen. */
export function createService(options: ServiceOptions): Service {
  const { config } = options;
  const client = createLettaClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    requestTimeoutMs: config.upstream.request_timeout_ms,
    maxEventBytes: config.limits.max_upstream_event_bytes,
    scrub: createScrubber([options.apiKey, ...options.authTokens]),
  });
  const store = options.store ?? new MemoryEventStore(config.retention);
  // Gauges and reader counts are read at call time, after `runs`, `hub` and `ws` exist.
  const metrics: ServiceMetrics = new ServiceMetrics({
    readers: () => hub.readers + ws.readers,
    activeRuns: () => runs.size,
    bufferedEvents: () => runs.bufferedEvents(),
  });
  const control = options.control ?? localRunControl();
  const runs = new RunService({
    control,
    turns: options.turns ?? new LocalConversationTurns(),
    source: options.source ?? createLettaAgentSource(client),
    store,
    maxActiveRuns: config.limits.max_active_runs,
    log: options.log,
    observe: (event) => metrics.observe(event),
  });
  const hub: SseHub = new SseHub({
    pingIntervalMs: config.sse.ping_interval_ms,
    retryMs: config.sse.retry_ms,
    maxReaders: config.limits.max_readers,
    compression: config.compression,
    otherReaders: () => ws.readers,
    headers: corsHeaders(config.cors.origins),
  });
  const ws: WsHub = new WsHub({
    maxReaders: config.limits.max_readers,
    otherReaders: () => hub.readers,
    maxFrameBytes: config.limits.max_body_bytes,
    pingIntervalMs: config.sse.ping_interval_ms,
    onStalled: () => metrics.wsStalled(),
  });
  const resolveTags: TagResolver = (tags, matchAll, signal) =>
    listAgentsByTags(client, tags, matchAll, signal);
  control.onCancel((runId, agentIds) => runs.get(runId)?.run.cancel(agentIds));
  control.onTakeover((taken) => runs.continueRun(taken));
  control.onLost((runId) => {
    options.log(`run ${runId} is written by another instance now (its lease here lapsed); stopped here`);
    runs.lose(runId);
  });
  control.onGone((runId) => {
    options.log(
      `warning: run ${runId} is gone from Redis (Redis lost its data, or the run's keys were deleted); nobody can continue it, so its agents are cancelled at Letta`,
    );
    runs.abandon(runId);
  });
  control.onBacklogFull(() =>
    runs.failAll(
      `Redis has been unreachable for longer than ${config.redis.max_backlog_events} events could wait (redis.max_backlog_events); the run was ended. Its events so far are written once Redis is back; see the service log.`,
    ),
  );
  const app = createApp({
    config,
    authTokens: options.authTokens,
    store,
    control,
    runs,
    hub,
    ws,
    runLimiter: new RunRateLimiter(config.limits.max_runs_per_minute),
    resolveTags,
    metrics: () => metrics.registry.render(),
    checkUpstream: (signal) => probeLetta(client, signal),
    log: options.log,
  });
  return {
    app,
    runs,
    hub,
    ws,
    websocket: ws.websocket,
    async shutdown(graceMs) {
      await runs.shutdown(graceMs);
      await Promise.all([hub.shutdown(), ws.shutdown()]);
      await store.close();
    },
  };
}
