import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { readEvents, reassemble, sseFrames } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ANSWERS = ["First agent answer here.", "Second agent answer, a little longer than the first."];

async function finishedRun(h: Harness) {
  const response = await h.stream({ message: "go", agent_ids: [agentId(1), agentId(2)] });
  const runId = response.headers.get("x-run-id") ?? "";
  const events = await readEvents(response);
  return { runId, events };
}

const events = (h: Harness, runId: string, init: RequestInit = {}, query = "") =>
  fetch(`${h.url}/v1/runs/${runId}/events${query}`, init);

describe("GET /v1/runs/{id}/events", () => {
  it("gives exactly the events after any cursor, from every position", async () => {
    harness = await startHarness(ANSWERS.map((answer, index) => scripted(index + 1, answer)));
    const h = harness;
    const { runId, events: all } = await finishedRun(h);
    // (At the end, a finished run answers 204: see cursors.test.ts.)
    for (let cursor = 0; cursor < all.length; cursor += 1) {
      const rest = await readEvents(await events(h, runId, { headers: { "last-event-id": String(cursor) } }));
      expect(rest.map((event) => event.seq)).toEqual(all.slice(cursor).map((event) => event.seq));
    }
    const late = await readEvents(await events(h, runId));
    expect(late).toEqual(all);
  });

  it("lets Last-Event-ID win over ?after=", async () => {
    harness = await startHarness(ANSWERS.map((answer, index) => scripted(index + 1, answer)));
    const { runId, events: all } = await finishedRun(harness);
    const rest = await readEvents(
      await events(harness, runId, { headers: { "last-event-id": "5" } }, "?after=2"),
    );
    expect(rest[0]?.seq).toBe(6);
    const byQuery = await readEvents(await events(harness, runId, {}, "?after=2"));
    expect(byQuery).toEqual(all.slice(2));
  });

  it("gives 20 concurrent live readers identical sequences", async () => {
    const slow = { ttft_ms: 20, tokens_per_second: 500 };
    harness = await startHarness(
      ANSWERS.map((answer, index) => scripted(index + 1, answer, { speed: slow })),
    );
    const h = harness;
    const created = await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1), agentId(2)] });
    const { run_id } = (await created.json()) as { run_id: string };
    const readers = await Promise.all(
      Array.from({ length: 20 }, async () => readEvents(await events(h, run_id))),
    );
    const first = JSON.stringify(readers[0]);
    for (const reader of readers) expect(JSON.stringify(reader)).toBe(first);
    expect(reassemble(readers[0] as FanoutEvent[])).toEqual({
      [agentId(1)]: ANSWERS[0],
      [agentId(2)]: ANSWERS[1],
    });
  });

  it("answers 404 for an unknown run and 410 for a cursor older than retention", async () => {
    harness = await startHarness(
      ANSWERS.map((answer, index) => scripted(index + 1, answer)),
      { retention: { max_events_per_run: 8 } },
    );
    const unknown = await events(harness, "fr-nope");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    const h = harness;
    const created = await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1), agentId(2)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const finished = await waitFor(async () => {
      const snapshot = (await (await fetch(`${h.url}/v1/runs/${runId}`)).json()) as {
        status: string;
        last_seq: number;
      };
      return snapshot.status !== "running" && snapshot;
    }, "run finished");
    expect(finished.last_seq).toBeGreaterThan(12);
    const gone = await events(harness, runId, { headers: { "last-event-id": "1" } });
    expect(gone.status).toBe(410);
    const body = (await gone.json()) as { error: { code: string; details: { message: string }[] } };
    expect(body.error.code).toBe("cursor_expired");
    const tail = await readEvents(
      await events(harness, runId, { headers: { "last-event-id": String(finished.last_seq - 3) } }),
    );
    expect(tail.map((event) => event.type).at(-1)).toBe("run.completed");
    expect(tail).toHaveLength(3);
  });

  it("writes frames as id, event and one data line, and agent text cannot forge frames", async () => {
    const evil = 'line one\n\nevent: run.completed\ndata: {"type":"run.completed"}\r\nid: 999\r\rend';
    harness = await startHarness([scripted(1, evil)]);
    const response = await harness.stream({ message: "go", agent_ids: [agentId(1)] });
    const frames = [];
    for await (const frame of sseFrames(response)) frames.push(frame);
    const parsed = frames.map((frame) => JSON.parse(frame.data) as FanoutEvent);
    expect(frames.map((frame) => frame.id)).toEqual(parsed.map((event) => String(event.seq)));
    expect(frames.filter((frame) => frame.event === "run.completed")).toHaveLength(1);
    expect(frames.every((frame) => !frame.data.includes("\n"))).toBe(true);
    expect(reassemble(parsed)[agentId(1)]).toBe(evil);
  });
});

describe("keepalive and listing", () => {
  it("sends a : ping comment after ping_interval_ms of silence", async () => {
    harness = await startHarness(
      [scripted(1, "Held answer.", { faults: [{ kind: "hold", after_events: 1 }] })],
      {
        sse: { ping_interval_ms: 1000 },
      },
    );
    const h = harness;
    const response = await h.stream({ message: "go", agent_ids: [agentId(1)] });
    const stats = { comments: 0, bytes: 0 };
    const frames = sseFrames(response, stats);
    const reading = (async () => {
      for await (const frame of frames) if (frame.event === "run.completed") return;
    })();
    await waitFor(() => stats.comments > 0, "a ping comment", 3_000);
    h.sim.release(agentId(1));
    await reading;
    expect(stats.comments).toBe(1);
  });

  it("lists runs newest first, paginated with after", async () => {
    harness = await startHarness([scripted(1, "One.")]);
    const h = harness;
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await h.stream({ message: `run ${index}`, agent_ids: [agentId(1)] });
      ids.push(response.headers.get("x-run-id") ?? "");
      await readEvents(response);
    }
    const first = (await (await fetch(`${h.url}/v1/runs?limit=2`)).json()) as {
      runs: { run_id: string; status: string }[];
      next_after: string | null;
    };
    expect(first.runs.map((run) => run.run_id)).toEqual([ids[2], ids[1]]);
    expect(first.runs[0]?.status).toBe("completed");
    const second = (await (
      await fetch(`${h.url}/v1/runs?limit=2&after=${first.next_after ?? ""}`)
    ).json()) as {
      runs: { run_id: string }[];
      next_after: string | null;
    };
    expect(second.runs.map((run) => run.run_id)).toEqual([ids[0]]);
    expect(second.next_after).toBeNull();
  });
});

describe("GET /v1/events (firehose)", () => {
  it("streams every run's events live, filtered by panel, and resumes from a cursor", async () => {
    harness = await startHarness([scripted(1, "Panel run.")], {
      panels: { solo: { agents: [{ id: agentId(1) }] } },
    });
    const h = harness;
    const controller = new AbortController();
    const firehose = await fetch(`${h.url}/v1/events?panel=solo`, { signal: controller.signal });
    expect(firehose.status).toBe(200);
    await readEvents(await h.stream({ message: "not in panel", agent_ids: [agentId(1)] }));
    const own = await h.stream({ message: "in panel", panel: "solo" });
    const runId = own.headers.get("x-run-id");
    const expected = await readEvents(own);
    const seen: FanoutEvent[] = [];
    const ids: string[] = [];
    for await (const frame of sseFrames(firehose)) {
      seen.push(JSON.parse(frame.data) as FanoutEvent);
      ids.push(frame.id ?? "");
      if (seen.at(-1)?.type === "run.completed") break;
    }
    controller.abort();
    expect(seen.every((event) => event.run_id === runId)).toBe(true);
    expect(seen).toEqual(expected);
    const resumed = await fetch(`${h.url}/v1/events`, {
      headers: { "last-event-id": ids[ids.length - 3] ?? "" },
    });
    const again: FanoutEvent[] = [];
    for await (const frame of sseFrames(resumed)) {
      again.push(JSON.parse(frame.data) as FanoutEvent);
      if (again.length === 2) break;
    }
    expect(again).toEqual(expected.slice(-2));
  });
});
