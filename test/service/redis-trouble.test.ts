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
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";
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

  async function start(answer: string, maxBacklog = 100_000) {
    redis = await startRedisServer();
    sim = await startSimulator({
      agents: [scripted(1, answer, { faults: [{ kind: "hold", after_events: 2 }] })],
      port: 0,
      apiKey: API_KEY,
    });
    const store = await connectRedisStore({ url: redis.url, retention: RETENTION, maxBacklog });
    instance = await startInstance(sim, {}, { store, control: store.control });
    return { redis, sim, instance };
  }

  const ready = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

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
    const { redis: r, sim: s, instance: i } = await start("A long answer that cannot all wait for Redis.", 5);
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

  it("stops the runs whose logs a Redis restarted without its data lost, and serves new runs", async () => {
    const { redis: r, sim: s, instance: i } = await start("Lost with the Redis that held it.");
    const created = await i.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 1, "the agent streams");
    await r.restart();
    await waitFor(() => i.service.runs.get(runId) === undefined, "the run stopped here", 10_000);
    expect((await fetch(`${i.url}/v1/runs/${runId}`)).status).toBe(404);
    await waitFor(async () => (await ready(i.url)).status === 200, "ready again", 10_000);
    s.release(agentId(1));
    const next = await i.stream({ message: "again", agent_ids: [agentId(1)] });
    const events = await readEvents(next);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
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
