import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { AgentRegistry, type SimAgents } from "./agent-registry.js";
import type { SimAgentSpec } from "./agent-spec.js";
import { CONVERSATION_LOCK_TTL_MS, ConversationLocks } from "./conversation-locks.js";
import { ConversationStore, type SimConversations } from "./conversation-store.js";
import { FaultRegistry, type SimFaults } from "./fault-registry.js";
import { OtidRuns } from "./otid-runs.js";
import { SimRecorder, type SimRecord } from "./recorder.js";
import { ReleaseBoard } from "./release-board.js";
import { routeRequest } from "./route-request.js";
import { sendJson } from "./letta-errors.js";
import { RunStore } from "./run-store.js";
import type { SimulatorContext } from "./simulator-context.js";

/** Options of {@link startSimulator}; every field has a default. */
export const simulatorOptionsSchema = z.strictObject({
  agents: z.array(z.unknown()).default([]),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.int().min(0).max(65535).default(0).describe("0 = an ephemeral port."),
  pingIntervalMs: z
    .int()
    .min(1)
    .default(20_000)
    .describe("Keepalive ping after this much silence (Letta: 20 s)."),
  apiKey: z.string().min(1).optional().describe("Require `Authorization: Bearer <apiKey>` on /v1 requests."),
  echoUnauthorized: z
    .boolean()
    .default(false)
    .describe(
      "The 401 for a wrong or missing key quotes the Authorization header it got, like a careless server: " +
        "for tests that no secret leaks.",
    ),
  background: z
    .boolean()
    .default(true)
    .describe("false = background requests get 503 (as without Redis), the rest unchanged."),
  redis: z
    .boolean()
    .default(true)
    .describe(
      "false = a Letta deployed without Redis: no conversation locks, no duplicate-request recovery, " +
        "background requests and conversation streams get 503.",
    ),
  lockTtlMs: z
    .int()
    .min(1)
    .default(CONVERSATION_LOCK_TTL_MS)
    .describe("How long a conversation lock lives if its run never ends (Letta: 5 min)."),
  runTtlMs: z
    .int()
    .min(1)
    .default(3 * 60 * 60 * 1000)
    .describe("How long a background run can be resumed (Letta: 3 h)."),
  maxRunLogs: z
    .int()
    .min(1)
    .default(10_000)
    .describe(
      "Finished background runs whose chunk logs are kept; past it the oldest is freed (resume → 410).",
    ),
});

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Agents to serve (specs or parsed agents, e.g. from `loadSimulatorAgents`). */
  agents?: readonly SimAgentSpec[];
  host?: string;
  port?: number;
  pingIntervalMs?: number;
  apiKey?: string;
  echoUnauthorized?: boolean;
  background?: boolean;
  /** false = a Letta without Redis (no locks, no duplicate-request recovery, background → 503). */
  redis?: boolean;
  lockTtlMs?: number;
  runTtlMs?: number;
  maxRunLogs?: number;
}

/** A running Letta simulator. */
export interface Simulator extends AsyncDisposable {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly agents: SimAgents;
  readonly faults: SimFaults;
  readonly record: SimRecord;
  /** The conversations created through `POST /v1/conversations/`. */
  readonly conversations: SimConversations;
  /**
   * Lets the agent's runs held at a `hold` fault go on; returns how many were held. With none
   * held, the release is kept for the agent's next hold.
   */
  release(agentId: string): number;
  /** Stops the server, every run and timer, and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts a Letta-compatible HTTP server (letta-wire.md) that the official SDK talks to unchanged.
 *
 * @example
 *   await using sim = await startSimulator({ agents: [{ id, name: "echo", script: [{ assistant: "hi {{message}}" }] }] });
 *   const client = new Letta({ baseURL: sim.url, apiKey: "test-key" });
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = simulatorOptionsSchema.parse(options);
  const faults = new FaultRegistry();
  const agents = new AgentRegistry((agentId, agent) => faults.agentChanged(agentId, agent?.faults ?? null));
  const context: SimulatorContext = {
    settings: {
      pingIntervalMs: settings.pingIntervalMs,
      apiKey: settings.apiKey ?? null,
      echoUnauthorized: settings.echoUnauthorized,
      background: settings.background,
      redis: settings.redis,
      startedAt: Date.now(),
      runTtlMs: settings.runTtlMs,
    },
    agents,
    faults,
    runs: new RunStore(settings.runTtlMs, settings.maxRunLogs),
    conversations: new ConversationStore(),
    locks: new ConversationLocks(settings.lockTtlMs),
    // Letta keeps the otid mappings as long as the run streams (`OTID_RUN_TTL_SECONDS`, 3 h).
    otidRuns: new OtidRuns(settings.runTtlMs),
    recorder: new SimRecorder(),
    releases: new ReleaseBoard(),
    streams: new Set(),
    timers: new Set(),
  };
  for (const spec of options.agents ?? []) agents.upsert(spec);

  const server = createServer((req, res) => {
    routeRequest(context, req, res).catch(() => {
      // A handler bug must not take the simulator down: answer like FastAPI's 500 handler.
      if (!res.headersSent) sendJson(res, 500, { detail: "An unknown error occurred" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  let closing: Promise<void> | null = null;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      context.runs.close();
      for (const timer of context.timers) clearTimeout(timer);
      context.timers.clear();
      for (const stream of [...context.streams]) stream.closeByServer();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${host}:${port}`,
    port,
    agents,
    faults,
    record: context.recorder,
    conversations: context.conversations,
    release: (agentId) => context.releases.release(agentId),
    close,
    [Symbol.asyncDispose]: close,
  };
}
