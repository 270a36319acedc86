import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { storeOnLink } from "../../test/helpers/redis-store-on-link.js";

/**
 * A store on a real Redis whose writes (the append script) wait at a gate until the test opens it:
 * a run's creation stays on its way to Redis for as long as the test needs, as it does for one
 * round trip in any instance (longer behind a flush in flight, or a NOSCRIPT answer).
 */
async function gatedStore(url: string, prefix: string, cleanups: (() => Promise<unknown>)[]) {
  let opened = false;
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let waiting = 0;
  /** Lease scripts (renew, claim) sent: how a test knows a tick of its own really ran. */
  let scripts = 0;
  const built = await storeOnLink(url, prefix, {
    send: (send, args) => {
      if (args[0] === "EVALSHA" || args[0] === "EVAL") scripts += 1;
      return send(args);
    },
    sendRaw: async (send, args) => {
      if (!opened) {
        waiting += 1;
        await gate;
      }
      return send(args);
    },
  });
  const open = () => {
    opened = true;
    openGate();
  };
  cleanups.push(async () => {
    open();
    await built.close();
  });
  return { ...built, waiting: () => waiting, scripts: () => scripts, open };
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
    const { store, keys, command } = gated;
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
    expect(await command(["GET", `${keys.prefix}run:${runId}:lease`])).toBe(gated.owner);
    await renewal(gated);
    expect(lost).toEqual([]);
    expect((await store.readRun(runId, 0, 10)).events.map((event) => event.type)).toEqual(["run.started"]);
  });
});
