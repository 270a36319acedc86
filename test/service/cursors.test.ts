import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { startServiceLives, type ServiceLives } from "../helpers/service-lives.js";
import { readEvents, sseFrames, type SseFrame } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { openWs, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
let lives: ServiceLives | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  await lives?.close();
  harness = undefined;
  lives = undefined;
});

/** An agent that stops after its first event until `sim.release(agentId(1))`. */
const held = () =>
  scripted(1, "Held answer, released later.", { faults: [{ kind: "hold", after_events: 1 }] });

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** Reads frames from an open SSE response one at a time, each within a deadline. */
function frameReader(response: Response) {
  const frames = sseFrames(response);
  return async (): Promise<SseFrame | undefined> => {
    const next = frames.next();
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no SSE frame within 5 s")), 5_000).unref(),
    );
    const result = await Promise.race([next, deadline]);
    return result.done ? undefined : result.value;
  };
}

/** Reads firehose frames until the `run.completed` of `runId`; returns their ids. */
async function idsUntilCompleted(next: () => Promise<SseFrame | undefined>, runId: string) {
  const ids: string[] = [];
  for (let frame = await next(); frame; frame = await next()) {
    const event = JSON.parse(frame.data) as FanoutEvent;
    if (event.run_id !== runId) continue;
    ids.push(frame.id ?? "");
    if (event.type === "run.completed") return ids;
  }
  throw new Error(`the firehose ended before run ${runId} completed`);
}

async function startRun(url: string, agents: string[]): Promise<string> {
  const response = await fetch(`${url}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "go", agent_ids: agents }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { run_id: string }).run_id;
}

describe("GET /v1/events cursors", () => {
  it("answers 410 cursor_expired to a cursor from before a restart, and reads live without one", async () => {
    lives = await startServiceLives([scripted(1, "One answer.")]);
    const { url } = lives;
    const controller = new AbortController();
    const next = frameReader(await fetch(`${url}/v1/events`, { signal: controller.signal }));
    const oldIds = await idsUntilCompleted(next, await startRun(url, [agentId(1)]));
    const restarting = lives.restart();
    // The old life ends its readers as it shuts down; EventSource would reconnect with its id.
    expect(JSON.parse((await next())?.data ?? "{}")).toMatchObject({ code: "shutting_down" });
    await restarting;
    controller.abort();

    const stale = await fetch(`${url}/v1/events`, { headers: { "last-event-id": oldIds.at(-1) ?? "" } });
    expect(stale.status).toBe(410);
    expect(((await stale.json()) as ErrorBody).error.code).toBe("cursor_expired");

    const fresh = new AbortController();
    const live = frameReader(await fetch(`${url}/v1/events`, { signal: fresh.signal }));
    const runId = await startRun(url, [agentId(1)]);
    const newIds = await idsUntilCompleted(live, runId);
    fresh.abort();
    expect(newIds.length).toBe(oldIds.length);
    expect(Number(newIds[0])).toBeGreaterThan(Number(oldIds.at(-1)));
  });

  it("answers 410 cursor_expired to a cursor beyond anything it issued", async () => {
    harness = await startHarness([scripted(1, "One answer.")]);
    const { url } = harness;
    const controller = new AbortController();
    const next = frameReader(await fetch(`${url}/v1/events`, { signal: controller.signal }));
    const ids = await idsUntilCompleted(next, await startRun(url, [agentId(1)]));
    controller.abort();
    const head = Number(ids.at(-1));
    const ahead = await fetch(`${url}/v1/events?after=${head + 1}`);
    expect(ahead.status).toBe(410);
    const body = (await ahead.json()) as ErrorBody;
    expect(body.error.code).toBe("cursor_expired");
    expect(body.error.message).toMatch(/never issued that cursor/);
    const atHead = new AbortController();
    const ok = await fetch(`${url}/v1/events?after=${head}`, { signal: atHead.signal });
    expect(ok.status).toBe(200);
    atHead.abort();
  });
});

describe("run log cursors", () => {
  it("answers 204 No Content to a cursor at or past the end of a finished run", async () => {
    harness = await startHarness([scripted(1, "One answer.")]);
    const h = harness;
    const response = await h.stream({ message: "go", agent_ids: [agentId(1)] });
    const runId = response.headers.get("x-run-id") ?? "";
    const all = await readEvents(response);
    const last = all.length;
    for (const init of [
      { headers: { "last-event-id": String(last) } },
      { headers: { "last-event-id": String(last + 5) } },
    ]) {
      const end = await fetch(`${h.url}/v1/runs/${runId}/events`, init);
      expect(end.status).toBe(204);
      expect(await end.text()).toBe("");
    }
    expect((await fetch(`${h.url}/v1/runs/${runId}/events?after=${last}`)).status).toBe(204);
    const beforeEnd = await readEvents(
      await fetch(`${h.url}/v1/runs/${runId}/events`, { headers: { "last-event-id": String(last - 1) } }),
    );
    expect(beforeEnd.map((event) => event.type)).toEqual(["run.completed"]);
  });

  it("refuses a cursor beyond the last event of a running run, over SSE and WebSocket", async () => {
    harness = await startHarness([held()]);
    const h = harness;
    const runId = await startRun(h.url, [agentId(1)]);
    const snapshot = await waitFor(async () => {
      const found = (await (await fetch(`${h.url}/v1/runs/${runId}`)).json()) as { last_seq: number };
      return found.last_seq >= 3 && found;
    }, "the held agent's first event");
    const ahead = await fetch(`${h.url}/v1/runs/${runId}/events`, {
      headers: { "last-event-id": String(snapshot.last_seq + 1) },
    });
    expect(ahead.status).toBe(410);
    const body = (await ahead.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "cursor_expired" });
    expect(body.error.message).toMatch(/never issued that cursor/);

    const ws = await openWs(h.url);
    ws.send({ type: "subscribe", run_id: runId, after: snapshot.last_seq + 1, request_id: "ahead" });
    expect(await ws.answer("ahead")).toMatchObject({ type: "error", code: "cursor_expired", run_id: runId });
    ws.send({ type: "subscribe", run_id: runId, after: snapshot.last_seq, request_id: "at-head" });
    expect(await ws.answer("at-head")).toMatchObject({
      type: "subscribed",
      after: String(snapshot.last_seq),
    });
    h.sim.release(agentId(1));
    const events = await ws.completed(runId);
    expect(events[0]?.seq).toBe(snapshot.last_seq + 1);
  });
});
