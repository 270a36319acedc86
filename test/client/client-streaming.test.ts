import { afterEach, describe, expect, it } from "vitest";
import { createClient, FanoutError, type FanoutEvent } from "../../src/client/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { readEvents, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { recordingFetch } from "./recording-fetch.js";
import { collect, oneTo, seqs } from "../helpers/client-events.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ANSWERS = [
  "The first agent answers in a few words.",
  "The second one takes a little longer to say it all.",
];
const LONG = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.";

describe("client.runs.create", () => {
  it("yields every event from run.started to run.completed, in order, validated and gapless", async () => {
    harness = await startHarness(ANSWERS.map((answer, index) => scripted(index + 1, answer)));
    const client = createClient({ baseUrl: harness.url });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    const events = await collect(run);
    expect(run.runId).toMatch(/^fr-/);
    expect(seqs(events)).toEqual(oneTo(events.length));
    expect(events[0]).toMatchObject({ type: "run.started", run_id: run.runId });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    for (const id of [agentId(1), agentId(2)]) {
      const own = events.filter((event) => "agent_id" in event && event.agent_id === id);
      expect(own[0]?.type).toBe("agent.started");
      expect(own.filter((event) => event.type === "agent.completed")).toHaveLength(1);
      expect(own.at(-1)).toMatchObject({ type: "agent.completed", status: "completed" });
    }
    expect(reassemble(events)).toEqual({ [agentId(1)]: ANSWERS[0], [agentId(2)]: ANSWERS[1] });
    expect(run.lastCursor()).toBe(String(events.length));
    // The typed events are exactly what the service logged.
    expect(events).toEqual(await readEvents(await fetch(`${harness.url}/v1/runs/${run.runId}/events`)));
  });

  it("reconnects a stream cut mid-frame with Last-Event-ID and yields every seq exactly once", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 8 }] })]);
    const h = harness;
    const recorder = recordingFetch({ dropPostAfterFrames: 4 });
    const client = createClient({ baseUrl: h.url, fetch: recorder.fetch, reconnect: { initialDelayMs: 5 } });
    const run = await client.runs.create({
      message: "go",
      agent_ids: [agentId(1)],
      options: { on_disconnect: "continue" },
    });
    const reading = collect(run);
    const resumed = await waitFor(
      () => recorder.requests.find((request) => request.method === "GET" && request.url.endsWith("/events")),
      "the client's reconnect",
    );
    expect(resumed).toMatchObject({ url: `${h.url}/v1/runs/${run.runId}/events`, lastEventId: "4" });
    h.sim.release(agentId(1));
    const events = await reading;
    expect(seqs(events)).toEqual(oneTo(events.length));
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    expect(recorder.requests.map((request) => request.method)).toEqual(["POST", "GET"]);
    expect(events).toEqual(await readEvents(await fetch(`${h.url}/v1/runs/${run.runId}/events`)));
  });

  it("gives up with network_error after maxAttempts failed reconnects", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 4 }] })]);
    const recorder = recordingFetch({ dropPostAfterFrames: 2, failGets: true });
    const client = createClient({
      baseUrl: harness.url,
      fetch: recorder.fetch,
      reconnect: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 4 },
    });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1)] });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const event of run) seen.push(event.seq);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error).toMatchObject({ code: "network_error", status: undefined });
    expect(seen).toEqual([1, 2]);
    expect(recorder.requests.filter((request) => request.method === "GET")).toHaveLength(3);
  });
});

describe("client.runs.events", () => {
  it("reads a run from the start, or exactly the events after any cursor", async () => {
    harness = await startHarness(ANSWERS.map((answer, index) => scripted(index + 1, answer)));
    const client = createClient({ baseUrl: harness.url });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    const all = await collect(run);
    expect(await collect(client.runs.events(run.runId))).toEqual(all);
    for (const cut of [1, 3, all.length - 1]) {
      const rest = client.runs.events(run.runId, { after: String(cut) });
      expect(rest.lastCursor()).toBe(String(cut));
      expect(seqs(await collect(rest))).toEqual(oneTo(all.length).slice(cut));
      expect(rest.lastCursor()).toBe(String(all.length));
    }
    // After run.completed there is nothing more: the loop ends at once instead of reconnecting.
    expect(await collect(client.runs.events(run.runId, { after: run.lastCursor() }))).toEqual([]);
  });

  it("ends at once, without an error or another request, when the service answers 204 at the end of a finished run", async () => {
    harness = await startHarness([scripted(1, ANSWERS[0] ?? "")]);
    const recorder = recordingFetch();
    const client = createClient({ baseUrl: harness.url, fetch: recorder.fetch });
    const run = await client.runs.create({ message: "go", agent_ids: [agentId(1)] });
    const all = await collect(run);
    for (const after of [String(all.length), String(all.length + 3)]) {
      recorder.requests.length = 0;
      const rest = client.runs.events(run.runId, { after });
      expect(await collect(rest)).toEqual([]);
      expect(rest.lastCursor()).toBe(after);
      expect(recorder.requests).toMatchObject([
        { method: "GET", url: `${harness.url}/v1/runs/${run.runId}/events`, lastEventId: after },
      ]);
    }
  });

  it("continues after the last event when a loop is left and entered again", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 6 }] })]);
    const h = harness;
    const client = createClient({ baseUrl: h.url });
    const { run_id: runId } = (await (
      await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] })
    ).json()) as { run_id: string };
    const events = client.runs.events(runId);
    const first: FanoutEvent[] = [];
    for await (const event of events) {
      first.push(event);
      if (event.seq === 3) break;
    }
    h.sim.release(agentId(1));
    const rest = await collect(events);
    expect(seqs([...first, ...rest])).toEqual(oneTo(first.length + rest.length));
    expect(reassemble([...first, ...rest])[agentId(1)]).toBe(LONG);
  });
});

describe("aborting", () => {
  it("ends the loop quietly, closes the connection, and (on_disconnect cancel) cancels the run", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 3 }] })]);
    const h = harness;
    const client = createClient({ baseUrl: h.url });
    const controller = new AbortController();
    const run = await client.runs.create(
      { message: "go", agent_ids: [agentId(1)] },
      { signal: controller.signal },
    );
    const seen: FanoutEvent[] = [];
    for await (const event of run) {
      seen.push(event);
      if (event.type === "agent.delta") controller.abort();
    }
    expect(seen.at(-1)?.type).toBe("agent.delta");
    const snapshot = await waitFor(async () => {
      const current = await client.runs.get(run.runId);
      return current.status !== "running" && current;
    }, "the run ended after the client left");
    expect(snapshot.status).toBe("cancelled");
    await waitFor(() => h.sim.record.openStreams() === 0, "the upstream stream closed");
  });

  it("ends the loop quietly when aborted while waiting to reconnect", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 4 }] })]);
    const recorder = recordingFetch({ dropPostAfterFrames: 2, failGets: true });
    const client = createClient({
      baseUrl: harness.url,
      fetch: recorder.fetch,
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const controller = new AbortController();
    const run = await client.runs.create(
      { message: "go", agent_ids: [agentId(1)] },
      { signal: controller.signal },
    );
    const reading = collect(run);
    await waitFor(() => run.lastCursor() === "2", "the events before the cut");
    const started = performance.now();
    controller.abort();
    expect(seqs(await reading)).toEqual([1, 2]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(recorder.requests.filter((request) => request.method === "GET")).toHaveLength(0);
  });

  it("rejects a call with the signal's reason, and reads nothing once aborted", async () => {
    harness = await startHarness([scripted(1, "Short.")]);
    const client = createClient({ baseUrl: harness.url });
    const aborted = AbortSignal.abort();
    await expect(client.runs.get("fr-any", { signal: aborted })).rejects.toMatchObject({
      name: "AbortError",
    });
    await expect(
      client.runs.create({ message: "go", agent_ids: [agentId(1)] }, { signal: aborted }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(await collect(client.runs.events("fr-any", { signal: aborted }))).toEqual([]);
  });
});
