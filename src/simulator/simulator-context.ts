import type { AgentRegistry } from "./agent-registry.js";
import type { ConversationLocks } from "./conversation-locks.js";
import type { ConversationStore } from "./conversation-store.js";
import type { FaultRegistry } from "./fault-registry.js";
import type { OtidRuns } from "./otid-runs.js";
import type { SimRecorder } from "./recorder.js";
import type { ReleaseBoard } from "./release-board.js";
import type { RunStore } from "./run-store.js";
import type { SseStream } from "./sse-stream.js";

/** Server-wide settings, resolved once at start. */
export interface SimulatorSettings {
  /** Silence after which a stream gets a keepalive ping (Letta: 20 s, letta-wire §2.3). */
  readonly pingIntervalMs: number;
  /** Bearer token every /v1 request must carry, or null for none. */
  readonly apiKey: string | null;
  /** The 401 body quotes the Authorization header it got (a careless server). */
  readonly echoUnauthorized: boolean;
  /** Whether background runs are available (false: background requests get 503, letta-wire §1.3). */
  readonly background: boolean;
  /**
   * Whether "Letta" has Redis (letta-wire §1.3, §1.6). Without it: no conversation locks, no
   * duplicate-request recovery or otid lookup, background requests and conversation streams 503.
   */
  readonly redis: boolean;
  /** Date.now() when the simulator started: when its default user was created (in 404 texts). */
  readonly startedAt: number;
  /** How long a background run can be resumed (Letta: 3 h). */
  readonly runTtlMs: number;
}

/** Everything the request handlers share. */
export interface SimulatorContext {
  readonly settings: SimulatorSettings;
  readonly agents: AgentRegistry;
  readonly faults: FaultRegistry;
  readonly runs: RunStore;
  readonly conversations: ConversationStore;
  /** Redis's `conversation:lock:{id}` keys. */
  readonly locks: ConversationLocks;
  /** Redis's `otid:run:{otid}` keys. */
  readonly otidRuns: OtidRuns;
  readonly recorder: SimRecorder;
  readonly releases: ReleaseBoard;
  /** Open SSE streams, so that closing the simulator can mark them closed by the server. */
  readonly streams: Set<SseStream>;
  /** Pending `slow_headers` timers, cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
}

/** Waits `ms` (a `slow_headers` fault), in a timer the simulator clears when it closes. */
export function delay(context: SimulatorContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      context.timers.delete(timer);
      resolve();
    }, ms);
    context.timers.add(timer);
  });
}
