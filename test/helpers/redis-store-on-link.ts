import { randomUUID } from "node:crypto";
import { createClient, RESP_TYPES } from "redis";
import { RedisEventStore } from "../../src/store/redis-event-store.js";
import { redisKeys, type RedisKeys } from "../../src/store/redis-keys.js";

type Send = (args: (string | Buffer)[]) => Promise<unknown>;

/** A store built by hand, with the calls a test wants to watch or hold. */
export interface StoreOnLink {
  store: RedisEventStore;
  owner: string;
  keys: RedisKeys;
  /** The command connection, for a test's own reads and writes. */
  command: Send;
}

/**
 * A RedisEventStore on connections of the test's own, whose commands (`send`) and append-script
 * calls (`sendRaw`) go through the given wrappers, so a test can count, hold or fail them, and
 * whose pub/sub messages a test can watch (`heard`).
 * Leases are renewed only when the test calls `store.control.tick()`. Close it with `close()`.
 */
export async function storeOnLink(
  url: string,
  prefix: string,
  wrap: {
    send?: (send: Send, args: string[]) => Promise<unknown>;
    sendRaw?: (send: Send, args: (string | Buffer)[]) => Promise<unknown>;
    /** Hears every pub/sub message the store receives, with its channel. */
    heard?: (channel: string, message: string) => void;
  } = {},
): Promise<StoreOnLink & { close(): Promise<void> }> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on("error", () => undefined);
  await subscriber.connect();
  const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const send: Send = (args) => client.sendCommand(args);
  const owner = `instance-${randomUUID()}`;
  const keys = redisKeys(prefix);
  const store = await RedisEventStore.open({
    keys,
    retention: { run_ttl_s: 600, max_events_per_run: 1_000, max_firehose_events: 1_000, max_runs: 100 },
    link: {
      send: (args) => (wrap.send ? wrap.send(send, args) : send(args)),
      sendBuffers: (args) => buffers.sendCommand(args),
      sendRaw: (args) => (wrap.sendRaw ? wrap.sendRaw(send, args) : send(args)),
      ping: () => client.sendCommand(["PING"]),
      isReady: () => client.isReady,
    },
    subscribe: async (channel, onMessage) => {
      await subscriber.subscribe(channel, (message) => {
        wrap.heard?.(channel, message);
        onMessage(message);
      });
    },
    unsubscribe: async (channel) => {
      await subscriber.unsubscribe(channel);
    },
    disconnect: () => Promise.resolve(),
    owner,
    // Renewed by the test alone (store.control.tick()), never by the timer.
    leaseMs: 600_000,
    renewMs: 300_000,
    maxBacklog: 1_000,
  });
  return {
    store,
    owner,
    keys,
    command: send,
    async close() {
      await store.close();
      await Promise.allSettled([subscriber.close(), client.close()]);
    },
  };
}
