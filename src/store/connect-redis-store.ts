import { randomUUID } from "node:crypto";
import { createClient, RESP_TYPES } from "redis";
import type { RetentionOptions } from "./memory-event-store.js";
import { RedisEventStore } from "./redis-event-store.js";
import { redisKeys } from "./redis-keys.js";

export interface ConnectRedisOptions {
  /** `redis://` or `rediss://`, possibly with a user and password. */
  url: string;
  retention: RetentionOptions;
  /** Every key starts with it (default `fanout:`), so deployments can share one Redis. */
  prefix?: string;
  /** How long the first connection may take before the service gives up starting. */
  connectTimeoutMs?: number;
  /** Run leases (config `redis.lease_ms`, `redis.renew_ms`); defaults 10 s and 3 s. */
  leaseMs?: number;
  renewMs?: number;
  /** Config `redis.max_backlog_events`; default 100,000. */
  maxBacklog?: number;
  now?: () => number;
}

/** The URL as it may be shown: without its user and password. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(an unparsable Redis URL)";
  }
}

/** Redis refused or could not be reached at start: the service does not start. */
export class RedisUnavailable extends Error {
  override readonly name = "RedisUnavailable";
}

/**
 * Connects a {@link RedisEventStore}: one connection for commands (pipelined) and one for the
 * channels its writes are announced on (those of the runs read here, the firehose's, control). Once connected, the clients reconnect by
 * themselves (with backoff) when Redis goes away; the first connection must succeed, or this
 * throws a RedisUnavailable that names the URL (without its password) and why.
 */
export async function connectRedisStore(options: ConnectRedisOptions): Promise<RedisEventStore> {
  const shown = redactRedisUrl(options.url);
  let connected = false;
  const client = createClient({
    url: options.url,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // At start, fail at once with a clear message; later, come back with backoff up to 2 s.
      reconnectStrategy: (retries) => (connected ? Math.min(2_000, 50 * 2 ** Math.min(retries, 6)) : false),
    },
  });
  // node-redis reports connection trouble as 'error' events; without a listener they would crash
  // the process. Readiness (/readyz) and the writer's retries say what matters.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const why = reason.replaceAll(options.url, shown).replace(/\.+$/, "");
    throw new RedisUnavailable(`Cannot connect to Redis at ${shown}: ${why}.`);
  }
  connected = true;
  const subscriber = client.duplicate();
  subscriber.on("error", () => undefined);
  await subscriber.connect();
  const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const keys = redisKeys(options.prefix ?? "fanout:");
  return RedisEventStore.open({
    keys,
    retention: options.retention,
    link: {
      send: (args) => client.sendCommand(args),
      sendBuffers: (args) => buffers.sendCommand(args),
      sendRaw: (args) => client.sendCommand(args),
      ping: (signal) => client.sendCommand(["PING"], { abortSignal: signal }),
      isReady: () => client.isReady,
    },
    subscribe: async (channel, onMessage) => {
      await subscriber.subscribe(channel, onMessage);
    },
    unsubscribe: async (channel) => {
      await subscriber.unsubscribe(channel);
    },
    disconnect: async () => {
      await Promise.allSettled([subscriber.close(), client.close()]);
    },
    owner: `instance-${randomUUID()}`,
    leaseMs: options.leaseMs ?? 10_000,
    renewMs: options.renewMs ?? 3_000,
    maxBacklog: options.maxBacklog ?? 100_000,
    ...(options.now ? { now: options.now } : {}),
  });
}
