import { ConfigError, loadConfig, type Env } from "../config/index.js";
import { createService } from "../create-service.js";
import { startServer } from "../http/start-server.js";
import { createLog } from "../log.js";
import { connectRedisStore, redactRedisUrl, RedisUnavailable } from "../store/connect-redis-store.js";
import type { RedisEventStore } from "../store/redis-event-store.js";
import { loadSimulatorAgents, startSimulator, type Simulator } from "../simulator/index.js";
import { readCommandLine } from "./command-line.js";
import { parseServeArgs, SERVE_USAGE } from "./serve-args.js";

/**
 * `letta-fanout serve`: loads the config, starts the built-in simulator when no Letta URL is
 * configured (API.md §6), serves the API and dashboard, and on SIGTERM/SIGINT stops accepting,
 * lets running streams finish within `server.shutdown_grace_ms`, ends readers, and exits 0.
 */
export async function serveCommand(args: string[], env: Env): Promise<void> {
  const parsed = readCommandLine(() => parseServeArgs(args), "serve", SERVE_USAGE);
  if (typeof parsed === "number") {
    process.exitCode = parsed;
    return;
  }
  let loaded;
  try {
    loaded = await loadConfig({ path: parsed.config, env });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { config, apiKey, authTokens } = loaded;
  const log = createLog([apiKey, ...authTokens]);
  let store: RedisEventStore | undefined;
  if (config.store !== "memory") {
    try {
      store = await connectRedisStore({
        url: config.store,
        retention: config.retention,
        prefix: config.redis.key_prefix,
        leaseMs: config.redis.lease_ms,
        renewMs: config.redis.renew_ms,
        maxBacklog: config.redis.max_backlog_events,
      });
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      console.error(error.message);
      console.error("Check that Redis runs there and the URL's user and password, or use store: memory.");
      process.exit(1);
    }
    console.log(`Event store: Redis at ${redactRedisUrl(config.store)}`);
  }

  let simulator: Simulator | undefined;
  let baseUrl: string;
  if (config.upstream.base_url !== null) {
    baseUrl = config.upstream.base_url;
  } else {
    const agents = await loadSimulatorAgents(config.simulator.agents_file);
    simulator = await startSimulator({
      agents,
      host: "127.0.0.1",
      port: 0,
      pingIntervalMs: config.simulator.ping_interval_ms,
      runTtlMs: config.simulator.run_ttl_s * 1000,
      maxRunLogs: config.simulator.max_run_logs,
    });
    baseUrl = simulator.url;
    console.log(
      `No Letta URL configured: using the built-in Letta simulator at ${simulator.url} (${agents.length} agents).`,
    );
    console.log("Set LETTA_BASE_URL (and LETTA_API_KEY) to use a real Letta server.");
  }

  const service = createService({
    config,
    baseUrl,
    apiKey,
    authTokens,
    log,
    ...(store ? { store, control: store.control, turns: store.turns } : {}),
  });
  const { port, stop: stopServer } = await startServer(service, {
    host: config.server.host,
    port: config.server.port,
    headersTimeoutMs: config.server.headers_timeout_ms,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  const shown =
    config.server.host === "0.0.0.0" || config.server.host === "::" ? "localhost" : config.server.host;
  console.log(`letta-fanout listening on http://${shown}:${port}`);
  console.log(
    `Dashboard: http://${shown}:${port}/   Panels: ${Object.keys(config.panels).join(", ") || "none"}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down (grace ${config.server.shutdown_grace_ms} ms)…`);
    await stopServer(config.server.shutdown_grace_ms);
    await simulator?.close();
    console.log("Stopped.");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
