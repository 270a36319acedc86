import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { RedisConversationTurns } from "./redis-conversation-turns.js";
import { redisKeys } from "./redis-keys.js";

// One writer per conversation across instances (API.md §1): two turn-keepers on one real Redis
// stand for two instances.

const AGENT = "agent-00000000-0000-4000-8000-000000000001";
const conversation = { agentId: AGENT, conversationId: "default" };

describe.skipIf(!redisAvailable)(redisSuite("RedisConversationTurns"), () => {
  const redis = useRedisServer();
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
  });
  const turnsFor = (prefix: string) => {
    const send = (args: string[]) => client.sendCommand(args);
    return { send, turns: new RedisConversationTurns(send, redisKeys(prefix)) };
  };
  /** A run's meta as the store writes it: running, or ended. */
  const meta = (prefix: string, runId: string, ended = false) =>
    client.sendCommand([
      "HSET",
      `${prefix}run:${runId}:meta`,
      "created_at",
      "1",
      ...(ended ? ["ended_at", "2"] : []),
    ]);

  it("lets one run at a time have a conversation, in order of arrival, across instances", async () => {
    const prefix = redis.keyPrefix();
    const [a, b] = [turnsFor(prefix), turnsFor(prefix)];
    for (const run of ["fr-1", "fr-2", "fr-3"]) await meta(prefix, run);
    const order: string[] = [];
    const queued: Record<string, number> = {};
    const never = new AbortController().signal;
    const first = await a.turns.take(conversation, "fr-1", never, () => undefined);
    const second = b.turns
      .take(conversation, "fr-2", never, (n) => (queued["fr-2"] = n))
      .then((give) => {
        order.push("fr-2");
        return give;
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = a.turns
      .take(conversation, "fr-3", never, (n) => (queued["fr-3"] = n))
      .then((give) => {
        order.push("fr-3");
        return give;
      });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual([]);
    expect(queued).toEqual({ "fr-2": 1, "fr-3": 2 });
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(["fr-2", "fr-3"]);
    // The line is gone once empty: nothing left in Redis without an expiry.
    await expect.poll(() => client.sendCommand(["EXISTS", `${prefix}conversation:${AGENT}:default`])).toBe(0);
  });

  it("keeps a run's place when it takes its turn again (a takeover), and skips runs that ended", async () => {
    const prefix = redis.keyPrefix();
    const { turns } = turnsFor(prefix);
    await meta(prefix, "fr-dead", true);
    await meta(prefix, "fr-live");
    await meta(prefix, "fr-next");
    const never = new AbortController().signal;
    // A run that ended without giving its turn back (its instance died right then).
    await turns.take(conversation, "fr-dead", never, () => undefined);
    const live = await turns.take(conversation, "fr-live", never, () => undefined);
    const waiting = turns.take(conversation, "fr-next", never, () => undefined);
    // The instance continuing fr-live takes the turn again: it still has it.
    const again = await turns.take(conversation, "fr-live", never, () => undefined);
    let granted = false;
    void waiting.then(() => (granted = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(granted).toBe(false);
    live();
    again();
    (await waiting)();
    expect(granted).toBe(true);
  });

  it("leaves the line when the wait is given up", async () => {
    const prefix = redis.keyPrefix();
    const { turns } = turnsFor(prefix);
    await meta(prefix, "fr-1");
    await meta(prefix, "fr-2");
    const never = new AbortController().signal;
    const holder = await turns.take(conversation, "fr-1", never, () => undefined);
    const stop = new AbortController();
    const waiting = turns.take(conversation, "fr-2", stop.signal, () => undefined);
    stop.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    await expect
      .poll(() => client.sendCommand(["ZRANGE", `${prefix}conversation:${AGENT}:default`, "0", "-1"]))
      .toEqual(["fr-1"]);
    holder();
  });
});
