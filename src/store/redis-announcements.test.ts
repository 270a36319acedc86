import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { storeOnLink } from "../../test/helpers/redis-store-on-link.js";
import type { EventDraft } from "../protocol/events.js";
import { MAX_EVENTS_PER_CALL } from "./redis-run-writer.js";

const started = {
  type: "run.started",
  agents: [{ agent_id: "agent-a" }],
  options: {},
} as EventDraft;
const delta = (text: string) =>
  ({ type: "agent.delta", agent_id: "agent-a", message_id: "m-1", kind: "assistant", text }) as EventDraft;
const completed = {
  type: "run.completed",
  status: "completed",
  agents: { "agent-a": "completed" },
  metrics: {},
} as unknown as EventDraft;
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

/** A store whose pub/sub messages (but control's) and reads of run logs the test counts. */
async function watchedStore(url: string, prefix: string, cleanups: (() => Promise<unknown>)[]) {
  const heard: string[] = [];
  const fetches: string[] = [];
  const scriptCalls: (string | Buffer)[][] = [];
  const built = await storeOnLink(url, prefix, {
    heard: (channel) => {
      if (!channel.endsWith("control")) heard.push(channel);
    },
    send: (send, args) => {
      if (args[0] === "XRANGE" || args[0] === "HMGET") fetches.push(`${args[0]} ${args[1]}`);
      return send(args);
    },
    sendRaw: (send, args) => {
      scriptCalls.push(args);
      return send(args);
    },
  });
  cleanups.push(() => built.close());
  return { ...built, heard, fetches, scriptCalls };
}

describe.skipIf(!redisAvailable)(redisSuite("RedisEventStore announcements and flushes"), () => {
  const redis = useRedisServer();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("does not hear or fetch the runs it writes, while another instance's reader is woken by each flush", async () => {
    const prefix = redis.keyPrefix();
    const writer = await watchedStore(redis.url, prefix, cleanups);
    const other = await watchedStore(redis.url, prefix, cleanups);
    const runId = `fr-${randomUUID()}`;
    writer.store.createRun({ runId, panel: null, createdAt: Date.now() });
    writer.store.append(runId, started);
    await writer.store.drained();

    // A reader on the other instance waits past seq 1; the writer's own reader past seq 1 too.
    const otherWoken = other.store.waitRun(runId, 1, AbortSignal.timeout(5_000));
    const ownWoken = writer.store.waitRun(runId, 1, AbortSignal.timeout(5_000));
    await waitFor(
      () => other.heard.length > 0 || other.fetches.length > 0,
      "the other instance follows the run",
    );
    for (const text of ["One ", "two ", "three."]) {
      writer.store.append(runId, delta(text));
      await nextTick();
    }
    await writer.store.drained();
    await Promise.all([otherWoken, ownWoken]);
    await waitFor(async () => {
      const { events } = await other.store.readRun(runId, 0, 100);
      return events.length === 4;
    }, "the other instance has every event");

    expect(writer.heard).toEqual([]);
    expect(writer.fetches).toEqual([]);
    expect(new Set(other.heard)).toEqual(new Set([`${prefix}run:${runId}:events`]));
    const { events } = await other.store.readRun(runId, 0, 100);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });

  it("splits a tick of more events than one call takes into calls sent in one flush, the run's end with its last events", async () => {
    const prefix = redis.keyPrefix();
    const writer = await watchedStore(redis.url, prefix, cleanups);
    const runId = `fr-${randomUUID()}`;
    const deltas = 2 * MAX_EVENTS_PER_CALL + 10;
    const flushesBefore = writer.store.writes.flushes;
    writer.store.createRun({ runId, panel: null, createdAt: Date.now() });
    writer.store.append(runId, started);
    for (let n = 0; n < deltas; n++) writer.store.append(runId, delta(`${n} `));
    writer.store.progress(runId, "agent-a", { attempt: 1, accepted: true, background: false });
    writer.store.append(runId, completed);
    await writer.store.drained();

    const total = deltas + 2;
    expect(writer.store.writes.flushes - flushesBefore).toBe(1);
    expect(writer.scriptCalls).toHaveLength(Math.ceil(total / MAX_EVENTS_PER_CALL));
    const { events, ended } = await writer.store.readRun(runId, 0, 10_000);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, n) => n + 1));
    expect(ended).toBe(true);
    const meta = (await writer.command(["HGETALL", `${prefix}run:${runId}:meta`])) as Record<string, string>;
    expect(meta).toMatchObject({ last_seq: String(total), status: "completed" });
    expect(meta.ended_at).toBeDefined();
    expect(await writer.command(["EXISTS", `${prefix}run:${runId}:snapshot`])).toBe(1);
  });
});
