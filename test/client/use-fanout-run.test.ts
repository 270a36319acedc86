// @vitest-environment jsdom
import { act, createElement, StrictMode, useEffect } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type FanoutClient } from "../../src/client/index.js";
import { useFanoutRun, type FanoutRunState } from "../../src/react/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { waitFor } from "../helpers/wait-for.js";
import { recordingFetch } from "./recording-fetch.js";

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

let harness: Harness | undefined;
let root: Root | undefined;
afterEach(async () => {
  await unmount();
  latest = undefined;
  await harness?.close();
  harness = undefined;
});

/**
 * act() for what the test does (render, send, stop, unmount); the events that stream in
 * meanwhile render the way they would in a browser, outside act, so React is told it is in an
 * act environment only while an act() runs.
 */
async function inAct<T>(callback: () => T | Promise<T>): Promise<T> {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  try {
    return await act(async () => callback());
  } finally {
    globalThis.IS_REACT_ACT_ENVIRONMENT = false;
  }
}

let latest: FanoutRunState | undefined;
/** Commits of RunPanel (an effect without deps runs once per commit, StrictMode or not). */
let commits = 0;

/** Shows each agent's text in a <pre data-agent=…>, and the run's status on the wrapper. */
function RunPanel(props: { client: FanoutClient; runId?: string | undefined }) {
  const run = useFanoutRun({ client: props.client }, props.runId === undefined ? {} : { runId: props.runId });
  latest = run;
  useEffect(() => {
    commits += 1;
  });
  return createElement(
    "div",
    { "data-status": run.status },
    Object.entries(run.agents).map(([id, agent]) =>
      createElement("pre", { key: id, "data-agent": id }, agent.text),
    ),
  );
}

async function mount(client: FanoutClient, runId?: string): Promise<void> {
  const container = document.body.appendChild(document.createElement("div"));
  const created = createRoot(container);
  root = created;
  await inAct(() =>
    created.render(createElement(StrictMode, null, createElement(RunPanel, { client, runId }))),
  );
}

async function unmount(): Promise<void> {
  const mounted = root;
  root = undefined;
  if (mounted) await inAct(() => mounted.unmount());
  document.body.replaceChildren();
}

const shownText = (id: string) => document.querySelector(`pre[data-agent="${id}"]`)?.textContent;
const shownStatus = () => document.querySelector("[data-status]")?.getAttribute("data-status");
function state(): FanoutRunState {
  if (!latest) throw new Error("RunPanel has not rendered");
  return latest;
}

const LONG = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.";

describe("useFanoutRun", () => {
  it("renders every agent's text, reasoning and status as GET /v1/runs/{id} has them", async () => {
    harness = await startHarness([
      scripted(1, "", { script: [{ reasoning: "Thinking it over." }, { assistant: "First answer." }] }),
      scripted(2, "", { generate: { chars: 600, seed: 7 } }),
    ]);
    const client = createClient({ baseUrl: harness.url });
    await mount(client);
    expect(shownStatus()).toBe("idle");
    let runId = "";
    await inAct(async () => {
      runId = await state().send({ message: "go", agent_ids: [agentId(1), agentId(2)] });
    });
    await waitFor(() => shownStatus() === "completed", "the run completed on screen");
    const snapshot = await client.runs.get(runId);
    expect(state()).toMatchObject({ runId, status: "completed", eventCount: snapshot.last_seq });
    for (const id of [agentId(1), agentId(2)]) {
      expect(shownText(id)).toBe(snapshot.agents[id]?.text);
      expect(state().agents[id]).toMatchObject({
        status: "completed",
        reasoning: snapshot.agents[id]?.reasoning,
        metrics: snapshot.agents[id]?.metrics,
      });
    }
    expect(shownText(agentId(2))).toHaveLength(600);
    expect(state().agents[agentId(1)]?.reasoning).toBe("Thinking it over.");
  });

  it("resumes after its cached cursor on remount, without showing any text twice", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 5 }] })]);
    const h = harness;
    const recorder = recordingFetch();
    const client = createClient({ baseUrl: h.url, fetch: recorder.fetch });
    await mount(client);
    let runId = "";
    await inAct(async () => {
      runId = await state().send({ message: "go", agent_ids: [agentId(1)] });
    });
    await waitFor(() => shownText(agentId(1)) === "One two three four five ", "the text before the hold");
    const seen = state().eventCount;
    await unmount();
    // Unmounting closed the stream but did not cancel the run.
    expect((await client.runs.get(runId)).status).toBe("running");

    await mount(client, runId);
    expect(shownText(agentId(1))).toBe("One two three four five ");
    const resumed = await waitFor(
      () => recorder.requests.find((request) => request.url.endsWith(`/v1/runs/${runId}/events`)),
      "the remounted view's stream",
    );
    // StrictMode mounts twice; every attach resumes after the same cursor.
    expect(resumed.lastEventId).toBe(String(seen));
    h.sim.release(agentId(1));
    await waitFor(() => shownStatus() === "completed", "the run completed on screen");
    const snapshot = await client.runs.get(runId);
    expect(shownText(agentId(1))).toBe(LONG);
    expect(snapshot.agents[agentId(1)]?.text).toBe(LONG);
    expect(state().eventCount).toBe(snapshot.last_seq);
  });

  it("attaches to a run it never followed by reading it from the first event", async () => {
    harness = await startHarness([scripted(1, LONG)]);
    const created = await harness.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const recorder = recordingFetch();
    await mount(createClient({ baseUrl: harness.url, fetch: recorder.fetch }));
    await inAct(() => state().attach(runId));
    await waitFor(() => shownStatus() === "completed", "the attached run on screen");
    expect(shownText(agentId(1))).toBe(LONG);
    expect(recorder.requests[0]).toMatchObject({ method: "GET", lastEventId: null });
  });

  it("stops a run, and shows a refused run as an error", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "hold", after_events: 2 }] })]);
    await mount(createClient({ baseUrl: harness.url }));
    await inAct(async () => {
      await state().send({ message: "go", agent_ids: [agentId(1)] });
    });
    await waitFor(() => shownText(agentId(1)) === "One two ", "the text before the hold");
    await inAct(() => state().stop());
    await waitFor(() => shownStatus() === "cancelled", "the cancelled run on screen");
    expect(state().agents[agentId(1)]).toMatchObject({ status: "cancelled", text: "One two " });

    let refused: unknown;
    await inAct(async () => {
      refused = await state()
        .send({ message: "go", agent_ids: [agentId(1)], options: { max_concurrency: 0 } })
        .catch((error: unknown) => error);
    });
    expect(refused).toMatchObject({ code: "validation_failed", status: 422 });
    expect(state()).toMatchObject({ status: "idle", runId: undefined, error: { code: "validation_failed" } });
  });

  it("renders far less often than events arrive", async () => {
    harness = await startHarness([
      scripted(1, "", { generate: { chars: 4000, seed: 3 }, speed: { tokens_per_second: 2000 } }),
    ]);
    await mount(createClient({ baseUrl: harness.url }));
    commits = 0;
    const started = performance.now();
    // The run streams outside act(), so React renders as often as it would in a browser.
    void state().send({ message: "go", agent_ids: [agentId(1)] });
    await waitFor(() => shownStatus() === "completed", "the run completed on screen");
    const elapsedMs = performance.now() - started;
    const events = state().eventCount;
    expect(events).toBeGreaterThan(500);
    expect(shownText(agentId(1))).toHaveLength(4000);
    // At most one render per 16 ms while events stream (plus start and end), however many events.
    expect(commits).toBeGreaterThan(2);
    expect(commits).toBeLessThanOrEqual(elapsedMs / 16 + 5);
    expect(commits).toBeLessThan(events / 4);
  });
});
