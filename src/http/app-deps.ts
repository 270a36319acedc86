import type { FanoutConfig } from "../config/index.js";
import type { TagResolver } from "../runs/plan-run.js";
import type { RunService } from "../runs/run-service.js";
import type { EventStore } from "../store/event-store.js";
import type { RunControl } from "../store/run-control.js";
import type { DependencyState } from "../upstream/letta/probe-letta.js";
import type { RunRateLimiter } from "./run-rate-limiter.js";
import type { SseHub } from "./sse-hub.js";
import type { WsHub } from "./ws-hub.js";

/** What the HTTP layer is built from; `app.ts` wires it, tests can build their own. */
export interface AppDeps {
  config: FanoutConfig;
  /** Bearer tokens accepted on /v1 routes; empty = no auth. */
  authTokens: readonly string[];
  store: EventStore;
  /** Where cancel requests go: to the instance running the run (Redis), or straight here. */
  control: RunControl;
  runs: RunService;
  hub: SseHub;
  /** The WebSocket side (`GET /v1/ws`): its `ws` server, open sockets and subscriptions. */
  ws: WsHub;
  /** `limits.max_runs_per_minute`: one budget per client for POST /v1/runs and WebSocket run.create. */
  runLimiter: RunRateLimiter;
  resolveTags: TagResolver;
  /** How the upstream Letta answers a health probe: `ok`, `http_<status>`, `timeout`, `unreachable`. */
  checkUpstream: (signal: AbortSignal) => Promise<DependencyState>;
  /** The Prometheus exposition text of `/metrics`. */
  metrics: () => string;
  /** Logs without secrets: messages are ours, errors are logged by class and message only. */
  log: (message: string, error?: unknown) => void;
}
