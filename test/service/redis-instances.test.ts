import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { connectRedisStore } from "../../src/store/connect-redis-store.js";
import type { RedisEventStore } from "../../src/store/redis-event-store.js";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startInstance, type Instance } from "../helpers/fanout-harness.js";
import { redisAvailable, redisSuite } from "../helpers/redis-server.js";
import { useRedisServer } from "../helpers/redis-server-shared.js";
import { ofType, readEvents, reassemble, sseFrames, type SseFrame } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { openWs, terminateAllWs } from "../helpers/ws-client.js";

const RETENTION = {
  run_ttl_s: 600,
  max_events_per_run: 100_000,
  max_firehose_events: 100_000,
  max_runs: 1_000,
};

describe.skipIf(!redisAvailable)(redisSuite("several instances on one Redis"), () => {
  const redis = useRedisServer();
  let sim: Simulator | undefined;
  const instances: Instance[] = [];
  afterEach(async () => {
    terminateAllWs();
    for (const instance of instances.splice(0)) await instance.close();
    await sim?.close();
    sim = undefined;
  });

  /** The simulator and `count` service instances sharing one Redis key space. */
  async function start(agents: SimAgentSpec[], count = 2): Promise<Instance[]> {
    sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
    const prefix = redis.keyPrefix();
    for (let index = 0; index < count; index++) {
      const store: RedisEventStore = await connectRedisStore({
        url: redis.url,
        retention: RETENTION,
        prefix,
      });
      instances.push(await startInstance(sim, {}, { store, control: store.control, turns: store.turns }));
    }
    return instances;
  }

  const framesOf = async (response: Response) => {
    const frames: SseFrame[] = [];
    for await (const frame of sseFrames(response)) frames.push(frame);
    return frames.map(({ id, event, data }) => ({ id, event, data }));
  };

  it("serves a run started on A to readers on B, live from the start and from a cursor, byte for byte", async () => {
    const answers = ["One answer, told slowly to the end.", "Another answer, also in pieces."];
    const [a, b] = await start([
      scripted(1, answers[0] ?? "", { speed: { ttft_ms: 0, tokens_per_second: 200 } }),
      scripted(2, answers[1] ?? "", { speed: { ttft_ms: 0, tokens_per_second: 200 } }),
    ]);
    if (!a || !b) throw new Error("two instances");
    const own = await a.stream({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    const runId = own.headers.get("x-run-id") ?? "";
    const live = fetch(`${b.url}/v1/runs/${runId}/events`);
    const ownFrames = await framesOf(own);
    const liveFrames = await framesOf(await live);
    expect(liveFrames).toEqual(ownFrames);
    const events = await readEvents(await fetch(`${b.url}/v1/runs/${runId}/events`));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(reassemble(events)).toEqual({ [agentId(1)]: answers[0], [agentId(2)]: answers[1] });
    const middle = Math.floor(ownFrames.length / 2);
    const rest = await framesOf(
      await fetch(`${b.url}/v1/runs/${runId}/events`, { headers: { "last-event-id": String(middle) } }),
    );
    expect(rest).toEqual(ownFrames.slice(middle));
    const snapshot = (await (await fetch(`${b.url}/v1/runs/${runId}`)).json()) as {
      status: string;
      agents: Record<string, { text: string }>;
    };
    expect(snapshot.status).toBe("completed");
    expect(snapshot.agents[agentId(1)]?.text).toBe(answers[0]);
    const ended = await fetch(`${b.url}/v1/runs/${runId}/events`, {
      headers: { "last-event-id": String(ownFrames.length) },
    });
    expect(ended.status).toBe(204);
  });

  it("streams a run started on A to a WebSocket subscription on B, live, with the bytes of A's log", async () => {
    const [a, b] = await start([
      scripted(1, "Over the socket, word by word.", { faults: [{ kind: "hold", after_events: 2 }] }),
    ]);
    if (!a || !b || !sim) throw new Error("two instances");
    const s = sim;
    const created = await a.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const ws = await openWs(b.url);
    ws.send({ type: "subscribe", run_id: runId, request_id: "sub" });
    expect(await ws.answer("sub")).toMatchObject({ type: "subscribed", run_id: runId });
    await ws.next((frame) => frame.type === "agent.delta", "a delta while the agent is held on A");
    s.release(agentId(1));
    const events = await ws.completed(runId);
    const own: string[] = [];
    for await (const frame of sseFrames(await fetch(`${a.url}/v1/runs/${runId}/events`)))
      own.push(frame.data);
    expect(ws.texts.filter((_, index) => "seq" in (ws.frames[index] ?? {}))).toEqual(own);
    expect(reassemble(events)).toEqual({ [agentId(1)]: "Over the socket, word by word." });
    await ws.close();
  });

  it("answers the 202 on A only once B can read the run: its events_url works on B at once", async () => {
    const [a, b] = await start([scripted(1, "Readable anywhere.")]);
    if (!a || !b) throw new Error("two instances");
    const statuses: number[] = [];
    for (let index = 0; index < 10; index++) {
      const created = await a.post("/v1/runs", { message: "hi", agent_ids: [agentId(1)] });
      const { events_url: eventsUrl } = (await created.json()) as { events_url: string };
      const read = await fetch(`${b.url}${eventsUrl}`);
      statuses.push(read.status);
      await read.body?.cancel();
    }
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 200));
  });

  it("lists A's runs on B and streams them in B's firehose", async () => {
    const [a, b] = await start([scripted(1, "Listed.")]);
    if (!a || !b) throw new Error("two instances");
    const firehose = await fetch(`${b.url}/v1/events`);
    const created = await a.post("/v1/runs", { message: "hi", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const seen: string[] = [];
    for await (const frame of sseFrames(firehose)) {
      const event = JSON.parse(frame.data) as { type: string; run_id: string };
      if (event.run_id === runId) seen.push(event.type);
      if (event.type === "run.completed") break;
    }
    expect(seen[0]).toBe("run.started");
    expect(seen.at(-1)).toBe("run.completed");
    const own = await readEvents(await fetch(`${a.url}/v1/runs/${runId}/events`));
    expect(seen).toEqual(own.map((event) => event.type));
    const list = (await (await fetch(`${b.url}/v1/runs`)).json()) as {
      runs: { run_id: string; status: string }[];
    };
    expect(list.runs).toEqual([expect.objectContaining({ run_id: runId, status: "completed" })]);
  });

  it("cancels on B a run that A holds: A's upstream streams close and Letta's cancel is called", async () => {
    const held = (n: number) =>
      scripted(n, "Never finished.", { faults: [{ kind: "hold", after_events: 1 }] });
    const [a, b] = await start([held(1), held(2)]);
    if (!a || !b) throw new Error("two instances");
    const s = sim;
    if (!s) throw new Error("simulator");
    const created = await a.post("/v1/runs", { message: "hi", agent_ids: [agentId(1), agentId(2)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(() => s.record.openStreams() === 2, "both streams open on A");
    const cancelled = await b.post(`/v1/runs/${runId}/cancel`, {});
    expect({ status: cancelled.status, body: (await cancelled.json()) as unknown }).toEqual({
      status: 200,
      body: { run_id: runId, status: "cancelled" },
    });
    await waitFor(() => s.record.openStreams() === 0, "A's upstream streams closed");
    for (const id of [agentId(1), agentId(2)]) {
      expect(s.record.streams(id).every((stream) => stream.closedByClient)).toBe(true);
      expect(s.record.requests(id).filter((request) => request.kind === "cancel")).toHaveLength(1);
    }
    const events = await readEvents(await fetch(`${b.url}/v1/runs/${runId}/events`));
    expect(ofType(events, "agent.completed").map((event) => event.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "cancelled" });
  });

  it("holds one writer per conversation across instances: asks on A and B at once run one after the other per agent", async () => {
    const echo = (n: number) =>
      scripted(n, "You said: {{message}}", { speed: { ttft_ms: 0, tokens_per_second: 150 } });
    const [a, b] = await start([echo(1), echo(2)]);
    if (!a || !b) throw new Error("two instances");
    const agents = [agentId(1), agentId(2)];
    const [onA, onB] = await Promise.all([
      a.stream({ message: "asked on instance A", agent_ids: agents }),
      b.stream({ message: "asked on instance B", agent_ids: agents }),
    ]);
    const [eventsA, eventsB] = await Promise.all([readEvents(onA), readEvents(onB)]);
    expect(reassemble(eventsA)).toEqual(
      Object.fromEntries(agents.map((id) => [id, "You said: asked on instance A"])),
    );
    expect(reassemble(eventsB)).toEqual(
      Object.fromEntries(agents.map((id) => [id, "You said: asked on instance B"])),
    );
    // At "Letta": two runs per agent in its default conversation, never at the same time.
    for (const id of agents) expect(sim?.record.runs(id)).toHaveLength(2);
    expect(sim?.record.overlaps()).toEqual([]);
    // The run that came second says, per agent, that it waited for the conversation.
    const waited = [...ofType(eventsA, "agent.queued"), ...ofType(eventsB, "agent.queued")];
    expect(waited.map((event) => [event.agent_id, event.reason]).sort()).toEqual(
      agents.map((id) => [id, "conversation_busy"]),
    );
  });

  it("follows up on B a run started on A, in the same conversations, and lists it on the parent everywhere", async () => {
    const [a, b] = await start([scripted(1, "You said: {{message}}")]);
    if (!a || !b) throw new Error("two instances");
    const parent = await readEvents(
      await a.stream({ message: "first", agent_ids: [agentId(1)], options: { conversation: "new" } }),
    );
    const parentId = parent[0]?.run_id ?? "";
    const child = await readEvents(
      await b.post(`/v1/runs/${parentId}/follow-ups`, { message: "second" }, { accept: "text/event-stream" }),
    );
    expect(reassemble(child)).toEqual({ [agentId(1)]: "You said: second" });
    const conversation = ofType(parent, "run.started")[0]?.agents[0]?.conversation_id ?? "";
    expect(ofType(child, "run.started")[0]).toMatchObject({
      parent_run_id: parentId,
      agents: [{ agent_id: agentId(1), conversation_id: conversation }],
    });
    expect(sim?.record.conversationMessages(conversation, agentId(1)).map((m) => m.text)).toEqual([
      "first",
      "second",
    ]);
    for (const instance of [a, b]) {
      const snapshot = (await (await fetch(`${instance.url}/v1/runs/${parentId}`)).json()) as {
        follow_ups?: string[];
      };
      expect(snapshot.follow_ups).toEqual([child[0]?.run_id]);
    }
  });
});
