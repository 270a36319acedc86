import { randomUUID } from "node:crypto";
import { createClient, RESP_TYPES } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { RedisEventStore } from "./redis-event-store.js";
import { redisKeys } from "./redis-keys.js";

const RETENTION = { run_ttl_s: 600, max_events_per_run: 1_000, max_firehose_events: 1_000, max_runs: 100 };

/**
 * A store on a real Redis whose writes (the append script) wait at a gate until the test opens it:
 * a run's creation stays on its way to Redis for as long as the test needs, as it does for one
 * round trip in any instance (longer behind a flush in flight, or a NOSCRIPT answer).
 */
async function gatedStore(url: string, prefix: string, cleanups: (() => Promise<unknown>)[]) {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on("error", () => undefined);
  await subscriber.connect();
  const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  let opened = false;
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let waiting = 0;
  /** Lease scripts (renew, claim) sent: how a test knows a tick of its own really ran. */
  let scripts = 0;
  const owner = `instance-${randomUUID()}`;
  const keys = redisKeys(prefix);
  const store = await RedisEventStore.open({
    keys,
    retention: RETENTION,
    link: {
      send: (args) => {
        if (args[0] === "EVALSHA" || args[0] === "EVAL") scripts += 1;
        return client.sendCommand(args);
      },
      sendBuffers: (args) => buffers.sendCommand(args),
      sendRaw: async (args) => {
        if (!opened) {
          waiting += 1;
          await gate;
        }
        return client.sendCommand(args);
      },
      ping: () => client.sendCommand(["PING"]),
      isReady: () => client.isReady,
    },
    subscribe: async (channel, onMessage) => {
      await subscriber.subscribe(channel, onMessage);
    },
    disconnect: () => Promise.resolve(),
    owner,
    // Renewed by the test alone (store.control.tick()), never by the timer.
    leaseMs: 600_000,
    renewMs: 300_000,
    maxBacklog: 1_000,
  });
  const open = () => {
    opened = true;
    openGate();
  };
  cleanups.push(async () => {
    open();
    await store.close();
    await Promise.allSettled([subscriber.close(), client.close()]);
  });
  return {
    store,
    owner,
    keys,
    client,
    waiting: () => waiting,
    scripts: () => scripts,
    open,
  };
}

/** Renews the store's leases by a tick of the test's own (one that really sent its scripts). */
async function renewal(gated: Awaited<ReturnType<typeof gatedStore>>): Promise<void> {
  await waitFor(async () => {
    const before = gated.scripts();
    await gated.store.control.tick();
    return gated.scripts() > before;
  }, "a renewal of the test's own");
}

describe.skipIf(!redisAvailable)(redisSuite("RedisEventStore: the lease of a new run"), () => {
  const redis = useRedisServer();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  // Before the fix the renewal counted every run this instance writes, also one whose creation
  // (the append script that sets its meta and lease) had not reached Redis yet: the renew script
  // found no lease and no meta, called the run lost, and the instance dropped it at once — its
  // agents stopped without a word, the creation possibly never written (the 202's run 404s), or
  // written and taken over later by an instance that re-sent every message to Letta.
  it("keeps a run whose creation is still on its way to Redis when its leases are renewed", async () => {
    const gated = await gatedStore(redis.url, redis.keyPrefix(), cleanups);
    const { store, keys, client } = gated;
    const lost: string[] = [];
    store.control.onLost((runId) => lost.push(runId));
    const runId = `fr-${randomUUID()}`;
    store.createRun({ runId, panel: null, createdAt: Date.now(), plan: { agents: [] } });
    store.append(runId, { type: "run.started", agents: [], options: { complete_when: "all" } });
    await waitFor(() => gated.waiting() > 0, "the run's creation on its way to Redis");

    // A tick returns at once while another (the store's first) is still going: wait for one of ours.
    await renewal(gated);
    expect(lost).toEqual([]);

    gated.open();
    await store.drained();
    expect(await client.get(`${keys.prefix}run:${runId}:lease`)).toBe(gated.owner);
    await renewal(gated);
    expect(lost).toEqual([]);
    expect((await store.readRun(runId, 0, 10)).events.map((event) => event.type)).toEqual(["run.started"]);
  });
});
