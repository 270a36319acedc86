import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { eventsOf, readInBackground, type WireFrame } from "../helpers/background-reader.js";
import { API_KEY } from "../helpers/fanout-harness.js";
import { redisAvailable, redisSuite } from "../helpers/redis-server.js";
import { useRedisServer } from "../helpers/redis-server-shared.js";
import type { ServiceProcess } from "../helpers/service-process.js";
import { useServiceProcesses } from "../helpers/service-process-shared.js";
import { ofType, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

// Failover between real `letta-fanout serve` processes on one real Redis (API.md §6, issue 8):
// an instance that is SIGKILLed or frozen (SIGSTOP) stops renewing its lease, and another one
// takes its run over. The agents are held by the simulator mid-answer, so the takeover always
// finds them running; nothing here asserts a duration, every wait has a deadline.

const LEASE_MS = 2_000;
/**
 * Leases short enough for a quick test; a busy two-core machine must not let a live one lapse
 * (1000/200 proved too short).
 */
const LEASE = { redis: { lease_ms: LEASE_MS, renew_ms: 500 } };
/** A lapsed lease is claimed within a lease and a renewal; the rest is margin for a busy machine. */
const TAKEOVER_DEADLINE_MS = LEASE_MS + 4_000;
/** Starting two or three processes and a run on a busy machine can take seconds. */
const MID_ANSWER_DEADLINE_MS = 10_000;
/** The longest any one stream read may take before the test fails instead of hanging. */
const READ_DEADLINE_MS = 30_000;
/** Per test: the processes' start, the takeover and the run's end, each with its own deadline. */
const TEST_TIMEOUT_MS = 60_000;

const ANSWERS = ["The first answer goes on after the break.", "The second one does as well, to the end."];
const AGENTS = [agentId(1), agentId(2)];
/** Letta messages each agent sends before the simulator holds it (until `sim.release`). */
const HELD_AFTER = 3;
/**
 * The seq_id of the last of them: a background stream opens with a ping that takes seq_id 1
 * (letta-wire §1.3), so the messages are 2 to 4, and a resume from where the log stands asks for
 * what comes after 4.
 */
const LAST_SEQ_ID_HELD = HELD_AFTER + 1;

/** Agent n answering its ANSWERS line, held after {@link HELD_AFTER} messages; more faults as given. */
const heldAgent = (n: number, faults: NonNullable<SimAgentSpec["faults"]> = []) =>
  scripted(n, ANSWERS[n - 1] ?? "", { faults: [{ kind: "hold", after_events: HELD_AFTER }, ...faults] });

/** A run of both agents in Letta's background mode, the mode a takeover can resume. */
const BACKGROUND_RUN = {
  message: "go",
  agent_ids: AGENTS,
  options: { agent_defaults: { background: true } },
};

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, signal: AbortSignal.timeout(READ_DEADLINE_MS) });

async function createRun(service: ServiceProcess, body: unknown): Promise<string> {
  const response = await fetch(`${service.url}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(READ_DEADLINE_MS),
  });
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`POST /v1/runs on ${service.name}: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { run_id: string }).run_id;
}

/** `fanout_active_runs` of an instance: the runs it executes now. */
async function activeRuns(service: ServiceProcess): Promise<number> {
  const text = await (await get(`${service.url}/metrics`)).text();
  const value = /^fanout_active_runs (\d+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error(`no fanout_active_runs in ${service.name}'s metrics`);
  return Number(value);
}

/** How many text deltas of `agent` the events hold. */
const deltasOf = (events: readonly FanoutEvent[], agent: string) =>
  ofType(events, "agent.delta").filter((event) => event.agent_id === agent).length;

/** Every agent has sent all it sends before its hold, and all of it is in the log the frames come from. */
const allHeldMessagesIn = (frames: readonly WireFrame[]) => {
  const events = eventsOf(frames);
  return AGENTS.every((agent) => deltasOf(events, agent) === HELD_AFTER);
};

/** Frame ids 1, 2, 3… from `after` + 1 on: a gapless log without repeats. */
const idsFrom = (after: number, frames: readonly WireFrame[]) =>
  frames.map((_, index) => String(after + index + 1));

describe.skipIf(!redisAvailable)(redisSuite("failover between service processes on one Redis"), () => {
  const redis = useRedisServer();
  const services = useServiceProcesses();
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  /** The simulator and one service process per name on the file's Redis, under a key prefix of the test's own. */
  async function start(agents: SimAgentSpec[], names: string[]) {
    sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
    const options = { lettaUrl: sim.url, store: redis.url, keyPrefix: redis.keyPrefix(), config: LEASE };
    const processes = await Promise.all(names.map((name) => services.start({ ...options, name })));
    return { sim, processes };
  }

  /** The simulator's requests of `kind` for the agent (message, resume, cancel). */
  const requests = (simulator: Simulator, agent: string, kind: string) =>
    simulator.record.requests(agent).filter((request) => request.kind === kind);

  /** Every agent has a resume request at the simulator: the run was taken over. */
  const resumedAll = (simulator: Simulator) => () =>
    AGENTS.every((agent) => requests(simulator, agent, "resume").length > 0);

  /**
   * What a takeover must look like at Letta and in the log: one message and one resume per agent
   * (resumed, never re-sent), no cancel, the resume asked from the seq_id of the last message that
   * reached the log before the takeover, and the log one gapless run to one `run.completed` with
   * every agent's exact text.
   */
  function expectOneTakeover(simulator: Simulator, events: FanoutEvent[]): void {
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(reassemble(events)).toEqual({ [agentId(1)]: ANSWERS[0], [agentId(2)]: ANSWERS[1] });
    expect(ofType(events, "run.completed")).toEqual([expect.objectContaining({ status: "completed" })]);
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(ofType(events, "agent.completed").map((event) => [event.agent_id, event.status])).toEqual(
      expect.arrayContaining(AGENTS.map((agent) => [agent, "completed"])),
    );
    expect(ofType(events, "agent.completed")).toHaveLength(AGENTS.length);
    const retries = ofType(events, "agent.retry");
    expect(retries.map((event) => [event.agent_id, event.mode, event.reason]).sort()).toEqual(
      AGENTS.map((agent) => [agent, "resume", "takeover"]),
    );
    for (const agent of AGENTS) {
      expect(requests(simulator, agent, "message")).toHaveLength(1);
      expect(requests(simulator, agent, "resume")).toHaveLength(1);
      expect(requests(simulator, agent, "cancel")).toHaveLength(0);
      const resumed = simulator.record.streams(agent).filter((stream) => stream.resumedFrom !== null);
      const retry = retries.find((event) => event.agent_id === agent);
      expect(resumed.map((stream) => stream.resumedFrom)).toEqual([LAST_SEQ_ID_HELD]);
      expect(retry?.resume_after).toBe(LAST_SEQ_ID_HELD);
    }
  }

  it(
    "continues on B a run whose instance A was SIGKILLed mid-answer: every agent resumed once from its last seq_id, and a reader that moves to B misses nothing",
    async () => {
      const { sim, processes } = await start([heldAgent(1), heldAgent(2)], ["A", "B"]);
      const [a, b] = processes;
      if (!a || !b) throw new Error("two processes");
      const runId = await createRun(a, BACKGROUND_RUN);
      const onA = readInBackground(await get(`${a.url}/v1/runs/${runId}/events`));
      // Both agents are mid-answer, held, with every message they sent so far in the log.
      await waitFor(
        () => allHeldMessagesIn(onA.frames),
        "both agents held mid-answer, as A's reader sees them",
        MID_ANSWER_DEADLINE_MS,
      );
      expect(ofType(eventsOf(onA.frames), "agent.completed")).toEqual([]);

      expect(await a.kill()).toEqual({ code: null, signal: "SIGKILL" });
      // A's stream breaks with A; the reader keeps what it got and goes on at B from there.
      const fromA = await onA.done.catch(() => onA.frames);
      expect(fromA.map((frame) => frame.id)).toEqual(idsFrom(0, fromA));
      const cursor = fromA.length;
      const onB = readInBackground(
        await get(`${b.url}/v1/runs/${runId}/events`, { "last-event-id": String(cursor) }),
      );
      await waitFor(resumedAll(sim), "B took the run over and resumed both agents", TAKEOVER_DEADLINE_MS);
      for (const agent of AGENTS) expect(sim.release(agent)).toBe(1);

      const fromB = await onB.done;
      expect(fromB.map((frame) => frame.id)).toEqual(idsFrom(cursor, fromB));
      expectOneTakeover(sim, eventsOf([...fromA, ...fromB]));
      expect(await activeRuns(b)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  // The stale owner must find something to write when it wakes, or a broken fence would pass
  // unseen. So B's resume of agent 2 gets no answer for a while (slow_headers): B has written
  // only its two agent.retry events when agent 2 is released, and the rest of agent 2's answer
  // goes into frozen A's socket alone. Thawed, A reads it, more events than B wrote since the
  // takeover, numbered on from where A stopped: without the fence their last seqs would extend
  // the log. Agent 1 stays held, so what A does with a stream it no longer owns shows at Letta.
  it(
    "keeps a frozen A out of the log once B took its run over: after SIGCONT, A appends nothing and stops its agents without cancelling them at Letta",
    async () => {
      const silentResumeMs = 6_000;
      const { sim, processes } = await start(
        [heldAgent(1), heldAgent(2, [{ kind: "slow_headers", on: "resume", delay_ms: silentResumeMs }])],
        ["A", "B"],
      );
      const [a, b] = processes;
      if (!a || !b) throw new Error("two processes");
      const runId = await createRun(a, BACKGROUND_RUN);
      const onA = readInBackground(await get(`${a.url}/v1/runs/${runId}/events`));
      await waitFor(
        () => allHeldMessagesIn(onA.frames),
        "both agents held mid-answer",
        MID_ANSWER_DEADLINE_MS,
      );
      // Both agents are mid-answer on A before anyone else reads or A dies.
      const onB = readInBackground(await get(`${b.url}/v1/runs/${runId}/events`));
      await waitFor(() => allHeldMessagesIn(onB.frames), "B's reader caught up");
      const [firstOf1, firstOf2] = AGENTS.map((agent) => sim.record.streams(agent)[0]);
      if (!firstOf1 || !firstOf2) throw new Error("A streams both agents");

      a.pause();
      await waitFor(resumedAll(sim), "B took the run over and resumed both agents", TAKEOVER_DEADLINE_MS);
      await waitFor(
        () => ofType(eventsOf(onB.frames), "agent.retry").length === 2,
        "B's takeover in the log",
      );
      const takenAt = onB.frames.length;
      expect(sim.release(agentId(2))).toBe(1);
      await waitFor(() => firstOf2.endedNormally, "the rest of agent 2's answer sent to frozen A");
      /** B's resume of agent 2 is not answered yet, so B has written nothing since its retries. */
      const bWaitsForAgent2 = () => {
        expect(requests(sim, agentId(2), "resume")).toHaveLength(1);
        expect(sim.record.streams(agentId(2)).filter((stream) => stream.resumedFrom !== null)).toEqual([]);
        expect(onB.frames).toHaveLength(takenAt);
      };
      bWaitsForAgent2();

      a.resume();
      await waitFor(() => firstOf1.closedByClient, "A, thawed, closed the stream of the run it lost");
      // A woke while B still waited: A's events, had they gone through, would have come first.
      bWaitsForAgent2();
      expect(await activeRuns(a)).toBe(0);
      expect(sim.release(agentId(1))).toBe(1);

      const fromB = await onB.done;
      expect(fromB.map((frame) => frame.id)).toEqual(idsFrom(0, fromB));
      expectOneTakeover(sim, eventsOf(fromB));
      // A's reader was frozen with A and read on from Redis once A had lost the run: the same log.
      expect(await onA.done).toEqual(fromB);
      // What Redis holds, read afresh on A, which no longer writes the run.
      expect(await readInBackground(await get(`${a.url}/v1/runs/${runId}/events`)).done).toEqual(fromB);
      expect(sim.record.cancels()).toEqual([]);
      expect(await a.stop()).toEqual({ code: 0, signal: null });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lets exactly one of B and C continue the run of a SIGKILLed A",
    async () => {
      const { sim, processes } = await start([heldAgent(1), heldAgent(2)], ["A", "B", "C"]);
      const [a, b, c] = processes;
      if (!a || !b || !c) throw new Error("three processes");
      const runId = await createRun(a, BACKGROUND_RUN);
      const onA = readInBackground(await get(`${a.url}/v1/runs/${runId}/events`));
      await waitFor(
        () => allHeldMessagesIn(onA.frames),
        "both agents held mid-answer",
        MID_ANSWER_DEADLINE_MS,
      );
      // Both agents are mid-answer on A before anyone else reads or A dies.
      const onC = readInBackground(await get(`${c.url}/v1/runs/${runId}/events`));
      await waitFor(() => allHeldMessagesIn(onC.frames), "C's reader caught up");

      await a.kill();
      await waitFor(resumedAll(sim), "B or C took the run over", TAKEOVER_DEADLINE_MS);
      // Held: the run is still going, on exactly one of them.
      expect((await activeRuns(b)) + (await activeRuns(c))).toBe(1);
      for (const agent of AGENTS) expect(sim.release(agent)).toBe(1);

      const frames = await onC.done;
      expect(frames.map((frame) => frame.id)).toEqual(idsFrom(0, frames));
      expectOneTakeover(sim, eventsOf(frames));
    },
    TEST_TIMEOUT_MS,
  );
});
