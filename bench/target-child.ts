import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FanoutConfig } from "../src/config/index.js";
import { createService } from "../src/create-service.js";
import { startServer } from "../src/http/start-server.js";
import { connectRedisStore } from "../src/store/connect-redis-store.js";
import type { EventStore } from "../src/store/event-store.js";
import { MemoryEventStore } from "../src/store/memory-event-store.js";
import { redisKeys } from "../src/store/redis-keys.js";
import type { RunControl } from "../src/store/run-control.js";
import { collectGarbage } from "./collect-garbage.js";
import { createProcessProbe } from "./process-probe.js";
import { createRawNodeRelay } from "./raw-node-relay.js";
import { createRedisProbe } from "./redis-probe.js";
import type { TargetKind, TargetRpc, TargetStore } from "./rpc-protocol.js";
import { serveRpc } from "./serve-rpc.js";
import { countStoreWork } from "./store-counters.js";

/**
 * The service as the bench runs it: compression on at the cheap settings (gzip 1, brotli 4) with
 * room for every bench reader, so a reader picks identity, gzip or br by its Accept-Encoding
 * (identity follows the same code path as `compression.enabled: false`), and room for 1,000
 * agents in one run. Everything else is the shipped default. On Redis (`start`'s `store`), the
 * service also gets `store: redis://…` and its key prefix, and the store connected as `serve` does.
 */
const SERVICE_CONFIG = {
  compression: { enabled: true, gzip_level: 1, brotli_quality: 4, max_compressed_readers: 100_000 },
  limits: { max_agents_per_run: 1000, max_readers: 100_000 },
};

/** How many service log lines reach stderr (a broken run should be visible, not flood the table). */
const MAX_LOG_LINES = 20;

const probe = createProcessProbe();
let logged = 0;
/** The service's store at work, counted; and Redis's own counters when the store is Redis. */
let storeProbe:
  | {
      name: TargetStore["kind"];
      work: ReturnType<typeof countStoreWork>;
      redis: Awaited<ReturnType<typeof createRedisProbe>> | undefined;
    }
  | undefined;

async function listen(
  kind: TargetKind,
  upstreamUrl: string,
  storeOption: TargetStore,
  pingIntervalMs: number | undefined,
): Promise<Server> {
  if (kind === "raw-node") {
    const server = createRawNodeRelay(upstreamUrl, pingIntervalMs);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
  }
  // As `serve` does with `store: redis://…`: connect first, then hand the store to the service.
  const config = FanoutConfig.parse({
    ...(storeOption.kind === "redis"
      ? { ...SERVICE_CONFIG, store: storeOption.url, redis: { key_prefix: storeOption.prefix } }
      : SERVICE_CONFIG),
    ...(pingIntervalMs === undefined ? {} : { sse: { ping_interval_ms: pingIntervalMs } }),
  });
  let store: EventStore;
  let control: RunControl | undefined;
  if (storeOption.kind === "redis") {
    const redis = await connectRedisStore({
      url: storeOption.url,
      retention: config.retention,
      prefix: config.redis.key_prefix,
      leaseMs: config.redis.lease_ms,
      renewMs: config.redis.renew_ms,
    });
    storeProbe = {
      name: "redis",
      work: countStoreWork(redis),
      redis: await createRedisProbe(storeOption.url, redisKeys(config.redis.key_prefix)),
    };
    store = redis;
    control = redis.control;
  } else {
    store = new MemoryEventStore(config.retention);
    storeProbe = { name: "memory", work: countStoreWork(store), redis: undefined };
  }
  const service = createService({
    config,
    baseUrl: upstreamUrl,
    apiKey: null,
    authTokens: [],
    log: (message, error) => {
      if (logged++ < MAX_LOG_LINES) {
        process.stderr.write(`[ours] ${message}${error instanceof Error ? `: ${error.message}` : ""}\n`);
      }
    },
    store,
    ...(control ? { control } : {}),
  });
  const { server } = await startServer(service, {
    host: "127.0.0.1",
    port: 0,
    headersTimeoutMs: config.server.headers_timeout_ms,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  return server;
}

const tracingGc = process.execArgv.includes("--trace-gc");

serveRpc<TargetRpc>({
  async start({ kind, upstreamUrl, store, pingIntervalMs }) {
    const server = await listen(kind, upstreamUrl, store, pingIntervalMs);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },
  async "store-begin"() {
    await storeProbe?.redis?.begin();
    storeProbe?.work.begin();
    return null;
  },
  async "store-end"() {
    if (!storeProbe) return null;
    const work = storeProbe.work.end();
    return {
      store: storeProbe.name,
      runs: work.runIds.length,
      appendedEvents: work.appendedEvents,
      writeTicks: work.writeTicks,
      writer: work.writer,
      redis: await storeProbe.redis?.end(work.runIds),
    };
  },
  "probe-begin"() {
    // Under BENCH_TRACE_GC, marks the measured window in the --trace-gc log (stdout).
    if (tracingGc) process.stdout.write("=== probe-begin\n");
    probe.begin();
    return null;
  },
  "probe-end": () => {
    if (tracingGc) process.stdout.write("=== probe-end\n");
    return probe.end();
  },
  gc() {
    collectGarbage();
    return null;
  },
});
