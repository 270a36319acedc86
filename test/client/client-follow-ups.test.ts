import { afterEach, describe, expect, it } from "vitest";
import { createClient, FanoutError } from "../../src/client/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { recordingFetch } from "./recording-fetch.js";
import { collect, oneTo, seqs } from "../helpers/client-events.js";

// client.runs.followUp (API.md §2 `POST /v1/runs/{run_id}/follow-ups`) against the real service
// and the simulator: the same RunHandle as runs.create, with the same resume protocol.

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const AGENTS = [agentId(1), agentId(2)];
const PANEL = { panels: { pair: { agents: AGENTS.map((id) => ({ id })) } } };
const echo = (n: number, extra: Parameters<typeof scripted>[2] = {}) =>
  scripted(n, "You said: {{message}}", extra);
const expected = (message: string, agents = AGENTS) =>
  Object.fromEntries(agents.map((id) => [id, `You said: ${message}`]));

describe("client.runs.followUp", () => {
  it("asks the same agents again in the same conversations, names the parent, and is listed on it", async () => {
    harness = await startHarness([echo(1), echo(2)], PANEL);
    const h = harness;
    const client = createClient({ baseUrl: h.url });
    const parent = await client.runs.create({
      message: "what is a panel",
      panel: "pair",
      options: { conversation: "new" },
    });
    const parentEvents = await collect(parent);
    expect(reassemble(parentEvents)).toEqual(expected("what is a panel"));

    const followUp = await client.runs.followUp(parent.runId, {
      message: "now compare your answers",
      options: { deadline_ms: 60_000 },
    });
    expect(followUp.runId).toMatch(/^fr-/);
    expect(followUp.runId).not.toBe(parent.runId);
    const events = await collect(followUp);
    expect(seqs(events)).toEqual(oneTo(events.length));
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(reassemble(events)).toEqual(expected("now compare your answers"));
    expect(followUp.lastCursor()).toBe(String(events.length));

    const started = ofType(events, "run.started")[0];
    expect(started).toMatchObject({ run_id: followUp.runId, parent_run_id: parent.runId, panel: "pair" });
    expect(started?.options).toMatchObject({ conversation: "new", deadline_ms: 60_000 });
    // The same agents in the same (new) conversations as the parent; "Letta" has both messages.
    expect(started?.agents).toEqual(ofType(parentEvents, "run.started")[0]?.agents);
    for (const { agent_id, conversation_id } of started?.agents ?? []) {
      expect(conversation_id).toMatch(/^conv-/);
      const messages = h.sim.record.conversationMessages(String(conversation_id), agent_id);
      expect(messages.map((message) => message.text)).toEqual([
        "what is a panel",
        "now compare your answers",
      ]);
    }

    const parentSnapshot = await client.runs.get(parent.runId);
    expect(parentSnapshot.follow_ups).toEqual([followUp.runId]);
    expect(parentSnapshot.parent_run_id).toBeUndefined();
    const snapshot = await client.runs.get(followUp.runId);
    expect(snapshot).toMatchObject({ parent_run_id: parent.runId, panel: "pair", status: "completed" });
    for (const { agent_id, conversation_id } of started?.agents ?? []) {
      expect(snapshot.agents[agent_id]).toMatchObject({
        conversation_id,
        text: "You said: now compare your answers",
      });
    }
    // The typed events are exactly what the service logged for the follow-up.
    expect(events).toEqual(await readEvents(await fetch(`${h.url}/v1/runs/${followUp.runId}/events`)));
  });

  it("reconnects a follow-up's stream cut mid-frame with Last-Event-ID and yields every seq once", async () => {
    const message = "one two three four five six seven eight nine ten eleven twelve";
    // The agent's second message request (the follow-up's) holds after 8 events.
    harness = await startHarness([echo(1, { faults: [{ kind: "hold", requests: [2], after_events: 8 }] })]);
    const h = harness;
    const parent = await createClient({ baseUrl: h.url }).runs.create({
      message: "first",
      agent_ids: [agentId(1)],
    });
    await collect(parent);

    const recorder = recordingFetch({ dropPostAfterFrames: 4 });
    const client = createClient({ baseUrl: h.url, fetch: recorder.fetch, reconnect: { initialDelayMs: 5 } });
    const followUp = await client.runs.followUp(parent.runId, {
      message,
      options: { on_disconnect: "continue" },
    });
    const reading = collect(followUp);
    const resumed = await waitFor(
      () => recorder.requests.find((request) => request.method === "GET" && request.url.endsWith("/events")),
      "the client's reconnect",
    );
    expect(resumed).toMatchObject({ url: `${h.url}/v1/runs/${followUp.runId}/events`, lastEventId: "4" });
    h.sim.release(agentId(1));
    const events = await reading;
    expect(seqs(events)).toEqual(oneTo(events.length));
    expect(events[0]).toMatchObject({ type: "run.started", parent_run_id: parent.runId });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    expect(reassemble(events)).toEqual(expected(message, [agentId(1)]));
    expect(recorder.requests.map((request) => [request.method, request.url])).toEqual([
      ["POST", `${h.url}/v1/runs/${parent.runId}/follow-ups`],
      ["GET", `${h.url}/v1/runs/${followUp.runId}/events`],
    ]);
  });

  it("reports an unknown run as a FanoutError not_found, and sends nothing to Letta", async () => {
    harness = await startHarness([echo(1)]);
    const client = createClient({ baseUrl: harness.url });
    const error = await client.runs
      .followUp("fr-nope", { message: "anyone there?" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error).toMatchObject({ code: "not_found", status: 404 });
    expect((error as FanoutError).message).toContain("fr-nope");
    expect(harness.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(0);
  });

  it("reports a bad follow-up body as validation_failed with the field's path", async () => {
    harness = await startHarness([echo(1)]);
    const client = createClient({ baseUrl: harness.url });
    const parent = await client.runs.create({ message: "first", agent_ids: [agentId(1)] });
    await collect(parent);
    const error = await client.runs
      .followUp(parent.runId, { message: "again", options: { max_concurrency: 0 } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "validation_failed", status: 422 });
    expect((error as FanoutError).details?.map((detail) => detail.path)).toEqual(["options.max_concurrency"]);
    expect((await client.runs.get(parent.runId)).follow_ups ?? []).toEqual([]);
  });
});
