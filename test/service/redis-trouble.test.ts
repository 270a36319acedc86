import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { connectRedisStore, RedisUnavailable } from "../../src/store/connect-redis-store.js";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startInstance, type Instance } from "../helpers/fanout-harness.js";
import {
  redisAvailable,
  redisSuite,
  startRedisServer,
  type RedisServerHandle,
} from "../helpers/redis-server.js";
import { ofType, readEvents, reassemble, sseFrames, type SseFrame } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

const RETENTION = {
  run_ttl_s: 600,
  max_events_per_run: 100_000,
  max_firehose_events: 100_000,
  max_runs: 1_000,
};

describe.skipIf(!redisAvailable)(redisSuite("Redis trouble"), () => {
  let redis: RedisServerHandle | undefined;
  let sim: Simulator | undefined;
  let instance: Instance | undefined;
  afterEach(async () => {
    redis?.resume();
    await instance?.close();
    await sim?.close();
    await redis?.stop();
    instance = undefined;
    sim = undefined;
    redis = undefined;
  });

  const held = (n: number, answer: string) =>
    scripted(n, answer, { faults: [{ kind: "hold", after_events: 2 }] });

  async function start(
    answer: string,
    { maxBacklog = 100_000, agents = [held(1, answer)], renewMs = 3_000 } = {},
  ) {
    redis = await startRedisServer();
    sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
    const store = await connectRedisStore({
      url: redis.url,
      retention: RETENTION,
      maxBacklog,
      renewMs,
      leaseMs: Math.max(10_000, 3 * renewMs),
    });
    instance = await startInstance(sim, {}, { store, control: store.control, turns: store.turns });
    return { redis, sim, instance };
  }

  const ready = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  /** A reader of the run on `url`, collecting its frames until its stream ends. */
  async function follow(url: string, runId: string) {
    const response = await fetch(`${url}/v1/runs/${runId}/events`);
    const frames: SseFrame[] = [];
    let ended = false;
    void (async () => {
      for await (const frame of sseFrames(response)) frames.push(frame);
      ended = true;
    })();
    await waitFor(() => frames.some((frame) => frame.event === "agent.delta"), "the reader follows the run");
    return { frames, ended: () => ended };
  }

  /**
   * What a run Redis lost looks like from outside: at Letta, each agent's stream was closed by the
   * service and its run cancelled, once; here, one warning naming the run (not a takeover's line),
   * the run gone (404), and its reader ended by one `cursor_expired` frame after a gapless prefix.
   */
  async function expectAbandoned(
    i: Instance,
    s: Simulator,
    runId: string,
    ids: string[],
    reader: Awaited<ReturnType<typeof follow>>,
  ) {
    await waitFor(() => s.record.openStreams() === 0, "the upstream streams closed", 10_000);
    for (const id of ids) {
      expect(s.record.streams(id).map((stream) => stream.closedByClient)).toEqual([true]);
      await waitFor(
        () => s.record.requests(id).some((request) => request.kind === "cancel"),
        `Letta's cancel called for ${id}`,
      );
      expect(s.record.requests(id).filter((request) => request.kind === "cancel")).toHaveLength(1);
    }
    expect(i.logs.filter((line) => line.startsWith(`warning: run ${runId} is gone from Redis`))).toHaveLength(
      1,
    );
    expect(i.logs.filter((line) => line.includes("written by another instance"))).toEqual([]);
    await waitFor(() => i.service.runs.get(runId) === undefined, "the run stopped here");
    expect((await fetch(`${i.url}/v1/runs/${runId}`)).status).toBe(404);

    await waitFor(reader.ended, "the reader's stream ended");
    const last = reader.frames.at(-1);
    expect(last?.event).toBe("error");
    expect(JSON.parse(last?.data ?? "{}")).toMatchObject({ type: "error", code: "cursor_expired" });
    expect(last?.data).toContain(`Run ${runId} is no longer in the event store`);
    const seqs = reader.frames.slice(0, -1).map((frame) => Number(frame.id));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  }

  it("says so in /readyz while Redis does not answer, and loses nothing of a run once it does again", async () => {
    const answer = "Every word arrives, even the ones written while Redis was frozen.";
    const { redis: r, sim: s, instance: i } = await start(answer);
    const created = await i.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 1, "the agent streams");
    expect(await ready(i.url)).toMatchObject({ status: 200, body: { store: "ok" } });
    r.pause();
    expect(await ready(i.url)).toEqual({
      status: 503,
      body: { status: "not_ready", upstream: "ok", store: "timeout" },
    });
    s.release(agentId(1));
    await waitFor(() => s.record.openStreams() === 0, "the agent finished upstream while Redis was frozen");
    r.resume();
    const events = await readEvents(await fetch(`${i.url}/v1/runs/${runId}/events`));
    expect(reassemble(events)).toEqual({ [agentId(1)]: answer });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    await waitFor(async () => (await ready(i.url)).status === 200, "ready again");
  });

  it("ends its runs failed (internal) once more events wait for Redis than max_backlog_events", async () => {
    const {
      redis: r,
      sim: s,
      instance: i,
    } = await start("A long answer that cannot all wait for Redis.", { maxBacklog: 5 });
    const created = await i.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 1, "the agent streams");
    r.pause();
    s.release(agentId(1));
    await waitFor(() => i.service.runs.get(runId) === undefined, "the run ended while Redis was frozen");
    r.resume();
    const events = await readEvents(await fetch(`${i.url}/v1/runs/${runId}/events`));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const [completed] = ofType(events, "agent.completed");
    expect(completed).toMatchObject({ status: "failed", error: { code: "internal" } });
    expect(completed?.error?.message).toContain("redis.max_backlog_events");
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "failed" });
    expect(i.logs.filter((line) => line.includes(`run ${runId} ended with code internal`))).toHaveLength(1);
    expect(s.record.requests(agentId(1)).filter((request) => request.kind === "cancel")).toHaveLength(1);
  });

  it("cancels at Letta the runs a Redis restarted without its data lost, ends their readers, and serves new runs", async () => {
    const answer = "Lost with the Redis that held it.";
    const {
      redis: r,
      sim: s,
      instance: i,
    } = await start(answer, { agents: [held(1, answer), held(2, answer)] });
    const ids = [agentId(1), agentId(2)];
    const created = await i.post("/v1/runs", { message: "go", agent_ids: ids });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 2, "both agents stream");
    const reader = await follow(i.url, runId);

    await r.restart();
    // Found by the lease renewal (the agents are held: nothing is written meanwhile).
    await expectAbandoned(i, s, runId, ids, reader);

    await waitFor(async () => (await ready(i.url)).status === 200, "ready again", 10_000);
    for (const id of ids) s.release(id);
    const next = await i.stream({ message: "again", agent_ids: ids });
    const events = await readEvents(next);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
  });

  it("cancels at Letta a run whose keys vanished from Redis (FLUSHALL) while it was writing", async () => {
    const answer = "A slow answer that keeps writing to a log which is no longer there, word by word.";
    const slow = scripted(1, answer, { speed: { ttft_ms: 0, tokens_per_second: 20, chunk_tokens: 1 } });
    // No renewal within the test: only the writer's refused append (NORUN) can find the loss.
    const {
      sim: s,
      instance: i,
      redis: r,
    } = await start(answer, {
      agents: [slow, held(2, answer)],
      renewMs: 60_000,
    });
    const ids = [agentId(1), agentId(2)];
    const created = await i.post("/v1/runs", { message: "go", agent_ids: ids });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 2, "both agents stream");
    const reader = await follow(i.url, runId);

    const client = createClient({ url: r.url });
    await client.connect();
    try {
      await client.flushAll();
    } finally {
      await client.close();
    }
    await expectAbandoned(i, s, runId, ids, reader);
    expect(await ready(i.url)).toMatchObject({ status: 200 });
  });

  it("refuses to start without Redis, naming the URL without its password", async () => {
    const error = await connectRedisStore({
      url: "redis://fanout:secret-password@127.0.0.1:1",
      retention: RETENTION,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnavailable);
    expect(String(error)).toContain("redis://127.0.0.1:1");
    expect(String(error)).not.toContain("secret-password");
  });
});
