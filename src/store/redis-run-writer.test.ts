import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import type { EventDraft } from "../protocol/events.js";
import { storeOnLink } from "../../test/helpers/redis-store-on-link.js";

const delta = (text: string) =>
  ({ type: "agent.delta", agent_id: "agent-a", message_id: "m-1", kind: "assistant", text }) as EventDraft;

describe.skipIf(!redisAvailable)(redisSuite("RedisRunWriter, pipelined"), () => {
  const redis = useRedisServer();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("writes every event once, in order, when a call fails while a later one is on the wire", async () => {
    // The first script call is lost on the way (never reaches Redis), but only after the second
    // call has been answered: the second must not write past the hole the first one leaves.
    let calls = 0;
    let secondSettled: () => void = () => undefined;
    const second = new Promise<void>((resolve) => (secondSettled = resolve));
    const refusals: string[] = [];
    const built = await storeOnLink(redis.url, redis.keyPrefix(), {
      sendRaw: async (send, args) => {
        calls += 1;
        if (calls === 1) {
          await second;
          throw new Error("Socket closed unexpectedly");
        }
        try {
          return await send(args);
        } catch (error) {
          refusals.push(String(error).slice(0, 40));
          throw error;
        } finally {
          if (calls === 2) secondSettled();
        }
      },
    });
    const { store } = built;
    cleanups.push(() => built.close());

    const runId = `fr-${randomUUID()}`;
    store.createRun({ runId, panel: null, createdAt: Date.now() });
    store.append(runId, {
      type: "run.started",
      agents: [{ agent_id: "agent-a" }],
      options: {},
    });
    store.append(runId, delta("One "));
    await new Promise((resolve) => setImmediate(resolve));
    store.append(runId, delta("two "));
    store.append(runId, delta("three."));
    await waitFor(() => calls >= 3, "the failed calls sent again");
    await store.drained();

    expect(refusals.some((refusal) => refusal.includes("NORUN") || refusal.includes("GAP"))).toBe(true);
    const { events } = await store.readRun(runId, 0, 100);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    const texts = events.slice(1).map((event) => (JSON.parse(event.json) as { text: string }).text);
    expect(texts.join("")).toBe("One two three.");
  });
});
