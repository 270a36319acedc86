import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { eventsOf, readInBackground } from "../helpers/background-reader.js";
import { API_KEY } from "../helpers/fanout-harness.js";
import { redisAvailable, redisSuite } from "../helpers/redis-server.js";
import { useRedisServer } from "../helpers/redis-server-shared.js";
import {
  ServiceStartError,
  type ServiceProcess,
  type ServiceProcessOptions,
} from "../helpers/service-process.js";
import { useServiceProcesses } from "../helpers/service-process-shared.js";
import { ofType, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

// Real `letta-fanout serve` processes (dist/, built by test/global-setup.ts) sharing one real
// Redis (one redis-server per file, a `redis.key_prefix` per test), and the simulator here, in
// the test process, which they reach through the real Letta SDK. A test that stops or restarts
// Redis should start a redis-server of its own (startRedisServer) so it leaves the others be.

/** The longest any one stream read may take before the test fails instead of hanging. */
const READ_DEADLINE_MS = 10_000;

const ANSWERS = ["One answer, told slowly to the end.", "Another answer, also in pieces."];

/** Agents 1 and 2, each answering its ANSWERS line; `faults` and `speed` as the test needs. */
const twoAgents = (extra: Partial<SimAgentSpec> = {}) =>
  [1, 2].map((n) => scripted(n, ANSWERS[n - 1] ?? "", extra));

/** Held by the simulator after two deltas each, until `sim.release`: mid-answer for as long as a test needs. */
const HELD = { speed: { tokens_per_second: 200 }, faults: [{ kind: "hold" as const, after_events: 2 }] };

/** GET with a deadline on the whole body, so a stream that never ends fails the test. */
const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, signal: AbortSignal.timeout(READ_DEADLINE_MS) });

/** Every frame of a stream that ends (a finished run's log), with the deadline of {@link get}. */
const readToEnd = async (url: string, headers: Record<string, string> = {}) =>
  readInBackground(await get(url, headers)).done;

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(READ_DEADLINE_MS),
  });

async function createRun(service: ServiceProcess, body: unknown): Promise<string> {
  const response = await post(`${service.url}/v1/runs`, body);
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`POST /v1/runs on ${service.name}: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { run_id: string }).run_id;
}

/** A port nothing listens on (the OS gave it to us, and we closed it). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

describe.skipIf(!redisAvailable)(redisSuite("service processes on one Redis"), () => {
  const redis = useRedisServer();
  const services = useServiceProcesses();
  let sim: Simulator | undefined;
  let keyPrefix: string | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    keyPrefix = undefined;
  });

  /** The simulator and `names.length` service processes on the file's Redis, under a key prefix of the test's own. */
  async function start(
    agents: SimAgentSpec[],
    names = ["A", "B"],
    config: ServiceProcessOptions["config"] = {},
  ) {
    sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
    keyPrefix = redis.keyPrefix();
    return { sim, processes: await startMore(names, config) };
  }

  /** More service processes on the test's simulator and key prefix, started together. */
  function startMore(names: string[], config: ServiceProcessOptions["config"] = {}) {
    if (!sim || keyPrefix === undefined) throw new Error("start() first");
    const options = { lettaUrl: sim.url, store: redis.url, keyPrefix, config };
    return Promise.all(names.map((name) => services.start({ ...options, name })));
  }

  it("serves a run started on A to readers on B, live from the start and from a cursor, frame for frame", async () => {
    const { sim, processes } = await start(twoAgents(HELD));
    const [a, b] = processes;
    if (!a || !b) throw new Error("two processes");
    const ownResponse = await fetch(`${a.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ message: "go", agent_ids: [agentId(1), agentId(2)] }),
      signal: AbortSignal.timeout(READ_DEADLINE_MS),
    });
    const runId = ownResponse.headers.get("x-run-id") ?? "";
    const own = readInBackground(ownResponse);
    // Both agents have begun answering and are held: the run is mid-answer until released.
    await waitFor(
      () =>
        [agentId(1), agentId(2)].every((id) =>
          eventsOf(own.frames).some((event) => event.type === "agent.delta" && event.agent_id === id),
        ),
      "both agents answering on A",
    );
    const seen = own.frames.length;
    const cursor = Math.floor(seen / 2);
    const fromStart = readInBackground(await get(`${b.url}/v1/runs/${runId}/events`));
    const fromCursor = readInBackground(
      await get(`${b.url}/v1/runs/${runId}/events`, { "last-event-id": String(cursor) }),
    );
    // Both readers on B have caught up with A while the run is still held, so what follows reaches them live.
    await waitFor(
      () => fromStart.frames.length >= seen && fromCursor.frames.length >= seen - cursor,
      "B's readers caught up",
    );
    expect(ofType(eventsOf(fromStart.frames), "run.completed")).toEqual([]);
    expect(sim.release(agentId(1)) + sim.release(agentId(2))).toBe(2);

    const ownFrames = await own.done;
    expect(await fromStart.done).toEqual(ownFrames);
    expect(await fromCursor.done).toEqual(ownFrames.slice(cursor));
    const events = eventsOf(ownFrames);
    expect(ownFrames.map((frame) => frame.id)).toEqual(ownFrames.map((_, index) => String(index + 1)));
    expect(reassemble(events)).toEqual({ [agentId(1)]: ANSWERS[0], [agentId(2)]: ANSWERS[1] });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
  });

  it("cancels on B a run that A holds: A's upstream streams close and Letta's cancel is called once per agent", async () => {
    const { sim, processes } = await start(twoAgents(HELD));
    const [a, b] = processes;
    if (!a || !b) throw new Error("two processes");
    const runId = await createRun(a, { message: "hi", agent_ids: [agentId(1), agentId(2)] });
    await waitFor(() => sim.record.openStreams() === 2, "both agents streaming to A");
    const cancelled = await post(`${b.url}/v1/runs/${runId}/cancel`, {});
    expect({ status: cancelled.status, body: (await cancelled.json()) as unknown }).toEqual({
      status: 200,
      body: { run_id: runId, status: "cancelled" },
    });
    await waitFor(() => sim.record.openStreams() === 0, "A's upstream streams closed");
    for (const id of [agentId(1), agentId(2)]) {
      expect(sim.record.streams(id).map((stream) => stream.closedByClient)).toEqual([true]);
      expect(sim.record.requests(id).filter((request) => request.kind === "cancel")).toHaveLength(1);
    }
    const events = eventsOf(await readToEnd(`${b.url}/v1/runs/${runId}/events`));
    expect(ofType(events, "agent.completed").map((event) => event.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "cancelled" });
  });

  it("lists A's runs on B and streams them in B's firehose, with the bytes of A's run log", async () => {
    const { processes } = await start(twoAgents());
    const [a, b] = processes;
    if (!a || !b) throw new Error("two processes");
    const firehose = readInBackground(await get(`${b.url}/v1/events`));
    const completed = (runId: string) => () =>
      eventsOf(firehose.frames).some((event) => event.type === "run.completed" && event.run_id === runId);
    const onA = await createRun(a, { message: "first", agent_ids: [agentId(1)] });
    await waitFor(completed(onA), "A's run completed in B's firehose");
    // One after the other, so "newest first" has one answer.
    const onB = await createRun(b, { message: "second", agent_ids: [agentId(2)] });
    await waitFor(completed(onB), "B's run completed in B's firehose");

    for (const [service, runId] of [
      [a, onA],
      [b, onB],
    ] as const) {
      const log = await readToEnd(`${service.url}/v1/runs/${runId}/events`);
      const inFirehose = firehose.frames.filter((frame) => eventsOf([frame])[0]?.run_id === runId);
      expect(inFirehose.map((frame) => frame.data)).toEqual(log.map((frame) => frame.data));
    }
    const list: unknown = await (await get(`${b.url}/v1/runs`)).json();
    expect(list).toMatchObject({
      runs: [
        { run_id: onB, status: "completed" },
        { run_id: onA, status: "completed" },
      ],
    });
    expect((list as { runs: unknown[] }).runs).toHaveLength(2);
  });

  it("still serves a finished run's events, snapshot and listing after both instances restart", async () => {
    const { processes } = await start(twoAgents());
    const [a, b] = processes;
    if (!a || !b) throw new Error("two processes");
    const runId = await createRun(a, { message: "remember this", agent_ids: [agentId(1), agentId(2)] });
    const frames = await readToEnd(`${a.url}/v1/runs/${runId}/events`);
    expect(eventsOf(frames).at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    const snapshot: unknown = await (await get(`${a.url}/v1/runs/${runId}`)).json();
    const list: unknown = await (await get(`${a.url}/v1/runs`)).json();

    expect(await Promise.all([a.stop(), b.stop()])).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const service of await startMore(["A2", "B2"])) {
      expect(await readToEnd(`${service.url}/v1/runs/${runId}/events`)).toEqual(frames);
      expect(await (await get(`${service.url}/v1/runs/${runId}`)).json()).toEqual(snapshot);
      expect(await (await get(`${service.url}/v1/runs`)).json()).toEqual(list);
    }
    expect(reassemble(eventsOf(frames))).toEqual({ [agentId(1)]: ANSWERS[0], [agentId(2)]: ANSWERS[1] });
  });

  it.each([
    ["store:", (url: string) => ({ store: url })],
    ["REDIS_URL", (url: string) => ({ store: "memory", env: { REDIS_URL: url } })],
  ])(
    "does not start when Redis from %s is unreachable: exit 1, naming the URL without its password and why",
    async (_, settings) => {
      const port = await closedPort();
      const url = `redis://user:secret@127.0.0.1:${port}`;
      const failed = await services
        .start({ lettaUrl: "http://127.0.0.1:9", name: "A", ...settings(url) })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      if (!(failed instanceof ServiceStartError))
        throw new Error(`expected a ServiceStartError: ${String(failed)}`);
      expect(failed.exit).toEqual({ code: 1, signal: null });
      expect(failed.output).toContain(`Cannot connect to Redis at redis://127.0.0.1:${port}: `);
      expect(failed.output).toContain("ECONNREFUSED");
      expect(failed.output).not.toContain("secret");
      expect(failed.output).not.toContain("user@");
      expect(failed.output).not.toContain("listening");
    },
  );

  // API.md §6: "A stopping instance hands its runs over instead of cancelling them when another
  // instance is alive". Without that (before dcfc8af), A held the run through its grace, then
  // cancelled it, and its reader got run.completed instead of shutting_down. The agents are held
  // past the grace, so finishing within it cannot pass for a handover.
  it("hands a run to B when A gets SIGTERM mid-answer: B resumes every agent, nothing cancelled or re-sent", async () => {
    const { sim, processes } = await start(twoAgents(HELD), ["A", "B"], {
      server: { shutdown_grace_ms: 500 },
    });
    const [a, b] = processes;
    if (!a || !b) throw new Error("two processes");
    const runId = await createRun(a, {
      message: "hi",
      agent_ids: [agentId(1), agentId(2)],
      options: { agent_defaults: { background: true } },
    });
    const onA = readInBackground(await get(`${a.url}/v1/runs/${runId}/events`));
    await waitFor(
      () => [1, 2].every((n) => sim.record.streams(agentId(n)).some((stream) => stream.messagesWritten >= 2)),
      "both agents held mid-answer",
    );
    await waitFor(() => ofType(eventsOf(onA.frames), "agent.delta").length >= 4, "A's reader has the deltas");

    expect(await a.stop()).toEqual({ code: 0, signal: null });
    const framesOnA = await onA.done;
    const goodbye = framesOnA.at(-1);
    expect(goodbye).toMatchObject({ event: "error", retry: expect.stringMatching(/^\d+$/) as unknown });
    expect(JSON.parse(goodbye?.data ?? "{}")).toMatchObject({ code: "shutting_down" });
    const before = framesOnA.slice(0, -1);
    const fromB = readInBackground(
      await get(`${b.url}/v1/runs/${runId}/events`, { "last-event-id": before.at(-1)?.id ?? "0" }),
    );
    expect(sim.release(agentId(1)) + sim.release(agentId(2))).toBe(2);
    const events = eventsOf([...before, ...(await fromB.done)]);

    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(ofType(events, "run.completed")).toEqual([expect.objectContaining({ status: "completed" })]);
    expect(reassemble(events)).toEqual({ [agentId(1)]: ANSWERS[0], [agentId(2)]: ANSWERS[1] });
    // One resume per agent, where A left it: the takeover, and nothing else retried.
    const retries = ofType(events, "agent.retry").map((event) => `${event.agent_id} ${event.mode}`);
    expect(retries.sort()).toEqual([`${agentId(1)} resume`, `${agentId(2)} resume`]);
    for (const id of [agentId(1), agentId(2)]) {
      const kinds = sim.record.requests(id).map((request) => request.kind);
      expect(kinds.filter((kind) => kind === "message")).toHaveLength(1);
      expect(kinds.filter((kind) => kind === "cancel")).toHaveLength(0);
      expect(kinds).toContain("resume");
    }
  });
});
