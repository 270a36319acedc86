import type { AgentRegistry } from "./agent-registry.js";
import type { FaultRegistry } from "./fault-registry.js";
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
  /** Whether background runs are available (false = a Letta without Redis, letta-wire §1.3). */
  readonly background: boolean;
  /** How long a background run can be resumed (Letta: 3 h). */
  readonly runTtlMs: number;
}

/** Everything the request handlers share. */
export interface SimulatorContext {
  readonly settings: SimulatorSettings;
  readonly agents: AgentRegistry;
  readonly faults: FaultRegistry;
  readonly runs: RunStore;
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
