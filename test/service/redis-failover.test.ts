import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { connectRedisStore } from "../../src/store/connect-redis-store.js";
import type { RedisEventStore } from "../../src/store/redis-event-store.js";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startInstance, type Instance } from "../helpers/fanout-harness.js";
import { redisAvailable, redisSuite } from "../helpers/redis-server.js";
import { useRedisServer } from "../helpers/redis-server-shared.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

const RETENTION = {
  run_ttl_s: 600,
  max_events_per_run: 100_000,
  max_firehose_events: 100_000,
  max_runs: 1_000,
};
// Short enough for a quick test, long enough that a busy machine does not let a live lease lapse.
const LEASE = { leaseMs: 3_000, renewMs: 500 };

interface Node {
  instance: Instance;
  store: RedisEventStore;
}

describe.skipIf(!redisAvailable)(redisSuite("failover between instances on one Redis"), () => {
  const redis = useRedisServer();
  let sim: Simulator | undefined;
  const nodes: Node[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.instance.close();
    await sim?.close();
    sim = undefined;
  });

  async function start(agents: SimAgentSpec[], count = 2): Promise<Node[]> {
    sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
    const prefix = redis.keyPrefix();
    for (let index = 0; index < count; index++) {
      const store = await connectRedisStore({ url: redis.url, retention: RETENTION, prefix, ...LEASE });
      nodes.push({
        store,
        instance: await startInstance(sim, {}, { store, control: store.control, turns: store.turns }),
      });
    }
    return nodes;
  }

  /**
   * The instance dies as a killed process would: its runs stop where they are (no event more, no
   * cancel at Letta, the upstream connections just close), it stops renewing its leases, and its
   * sockets close. What it had written is in Redis; its leases lapse by themselves.
   */
  async function crash(node: Node): Promise<void> {
    const { runs } = node.instance.service;
    for (const runId of runs.runIds()) runs.lose(runId);
    await node.store.close();
    nodes.splice(nodes.indexOf(node), 1);
    await node.instance.server.stop(0);
  }

  const held = (n: number, answer: string) =>
    scripted(n, answer, { faults: [{ kind: "hold", after_events: 3 }] });

  it("takes over the runs of an instance that died and resumes every agent from its last seq_id", async () => {
    const answers = ["The first answer goes on after the break.", "The second one does as well, to the end."];
    const [a, b] = await start([held(1, answers[0] ?? ""), held(2, answers[1] ?? "")]);
    if (!a || !b || !sim) throw new Error("two instances");
    const s = sim;
    const created = await a.instance.post("/v1/runs", { message: "go", agent_ids: [agentId(1), agentId(2)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(async () => {
      const snapshot = (await (await fetch(`${b.instance.url}/v1/runs/${runId}`)).json()) as {
        agents: Record<string, { text: string }>;
      };
      const agents = Object.values(snapshot.agents);
      return agents.length === 2 && agents.every((agent) => agent.text.length > 0);
    }, "both agents mid-answer, as B sees them");

    await crash(a);
    await waitFor(() => b.instance.service.runs.get(runId) !== undefined, "B took the run over", 8_000);
    s.release(agentId(1));
    s.release(agentId(2));

    const events = await readEvents(await fetch(`${b.instance.url}/v1/runs/${runId}/events`));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(reassemble(events)).toEqual({ [agentId(1)]: answers[0], [agentId(2)]: answers[1] });
    const retries = ofType(events, "agent.retry");
    expect(retries.map((event) => [event.agent_id, event.mode, event.reason]).sort()).toEqual([
      [agentId(1), "resume", "takeover"],
      [agentId(2), "resume", "takeover"],
    ]);
    expect(ofType(events, "agent.completed").map((event) => event.status)).toEqual([
      "completed",
      "completed",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(ofType(events, "run.completed")).toHaveLength(1);
    for (const id of [agentId(1), agentId(2)]) {
      const requests = s.record.requests(id);
      expect(requests.filter((request) => request.kind === "message")).toHaveLength(1);
      expect(requests.filter((request) => request.kind === "resume")).toHaveLength(1);
      expect(requests.filter((request) => request.kind === "cancel")).toHaveLength(0);
    }
  });

  it("stops a run quietly, without a cancel at Letta, when it finds another live instance holds its lease", async () => {
    const answer = "Taken over while the first instance still lived, and finished there.";
    const [a, b] = await start([held(1, answer)]);
    if (!a || !b || !sim) throw new Error("two instances");
    const s = sim;
    const created = await a.instance.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 1, "the agent streams on A");
    // A stops renewing (as if frozen): its lease lapses and B claims the run while A still runs it.
    a.store.control.stop();
    await waitFor(() => b.instance.service.runs.get(runId) !== undefined, "B took the run over", 8_000);
    expect(a.instance.service.runs.get(runId)).toBeDefined();
    // A's next renewal finds B's lease: the run is B's, so A lets go without cancelling anything.
    await a.store.control.tick();
    expect(a.instance.service.runs.get(runId)).toBeUndefined();
    expect(
      a.instance.logs.filter((line) => line.includes(`run ${runId} is written by another instance`)),
    ).toHaveLength(1);
    expect(a.instance.logs.filter((line) => line.includes("gone from Redis"))).toEqual([]);
    await waitFor(() => s.record.streams(agentId(1))[0]?.open === false, "A's upstream stream closed");
    expect(s.record.streams(agentId(1))[0]?.closedByClient).toBe(true);

    s.release(agentId(1));
    const events = await readEvents(await fetch(`${b.instance.url}/v1/runs/${runId}/events`));
    expect(reassemble(events)).toEqual({ [agentId(1)]: answer });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    const requests = s.record.requests(agentId(1));
    expect(requests.filter((request) => request.kind === "cancel")).toHaveLength(0);
    expect(requests.filter((request) => request.kind === "message")).toHaveLength(1);
  });

  it("hands its runs to another instance on a graceful stop instead of cancelling them", async () => {
    const answer = "Handed over and finished elsewhere, every word of it.";
    const [a, b] = await start([held(1, answer)]);
    if (!a || !b || !sim) throw new Error("two instances");
    const s = sim;
    const created = await a.instance.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 1, "the agent streams on A");
    await waitFor(
      async () => (await b.store.control.othersAlive()) && (await a.store.control.othersAlive()),
      "both alive",
    );
    nodes.splice(nodes.indexOf(a), 1);
    await a.instance.server.stop(10_000);
    await waitFor(() => b.instance.service.runs.get(runId) !== undefined, "B took the run over", 3_000);
    s.release(agentId(1));
    const events = await readEvents(await fetch(`${b.instance.url}/v1/runs/${runId}/events`));
    expect(reassemble(events)).toEqual({ [agentId(1)]: answer });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(s.record.requests(agentId(1)).filter((request) => request.kind === "cancel")).toHaveLength(0);
    expect(s.record.requests(agentId(1)).filter((request) => request.kind === "message")).toHaveLength(1);
  });
});
