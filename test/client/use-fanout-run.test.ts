// @vitest-environment jsdom
import { act, createElement, StrictMode, useEffect } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type FanoutClient } from "../../src/client/index.js";
import { useFanoutRun, type FanoutRunState, type RunView } from "../../src/react/index.js";
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

/** Each agent's text in a <pre data-agent=…>. */
const agentTexts = (agents: RunView["agents"]) =>
  Object.entries(agents).map(([id, agent]) =>
    createElement("pre", { key: id, "data-agent": id }, agent.text),
  );

/**
 * Shows the thread's earlier runs in <section data-run=…>, then each agent's text of the shown
 * run, and the run's status on the wrapper.
 */
function RunPanel(props: { client: FanoutClient; runId?: string | undefined }) {
  const run = useFanoutRun({ client: props.client }, props.runId === undefined ? {} : { runId: props.runId });
  latest = run;
  useEffect(() => {
    commits += 1;
  });
  return createElement(
    "div",
    { "data-status": run.status },
    run.thread.map((earlier) =>
      createElement("section", { key: earlier.runId, "data-run": earlier.runId }, agentTexts(earlier.agents)),
    ),
    agentTexts(run.agents),
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

const shownText = (id: string) =>
  document.querySelector(`[data-status] > pre[data-agent="${id}"]`)?.textContent;
const threadText = (runId: string, id: string) =>
  document.querySelector(`section[data-run="${runId}"] > pre[data-agent="${id}"]`)?.textContent;
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

describe("useFanoutRun followUp", () => {
  const echo = (n: number, extra: Parameters<typeof scripted>[2] = {}) =>
    scripted(n, "You said: {{message}}", extra);
  const AGENTS = [agentId(1), agentId(2)];

  it("shows the follow-up while the run it follows keeps streaming into thread, both exact", async () => {
    // Agent 1's first answer holds after two events, so the run is still going when followed up.
    harness = await startHarness([
      echo(1, { faults: [{ kind: "hold", requests: [1], after_events: 2 }] }),
      echo(2),
    ]);
    const h = harness;
    const recorder = recordingFetch();
    await mount(createClient({ baseUrl: h.url, fetch: recorder.fetch }));
    let parentId = "";
    await inAct(async () => {
      parentId = await state().send({ message: "first question", agent_ids: AGENTS });
    });
    await waitFor(() => state().agents[agentId(1)]?.text, "agent 1's text before the hold");
    let childId = "";
    await inAct(async () => {
      childId = await state().followUp("second question");
    });
    expect(childId).not.toBe(parentId);
    expect(state()).toMatchObject({ runId: childId, thread: [{ runId: parentId, status: "running" }] });

    h.sim.release(agentId(1));
    await waitFor(
      () => shownStatus() === "completed" && state().thread[0]?.status === "completed",
      "both runs completed on screen",
    );
    const client = createClient({ baseUrl: h.url });
    const [parent, child] = [await client.runs.get(parentId), await client.runs.get(childId)];
    expect(parent.follow_ups).toEqual([childId]);
    expect(state()).toMatchObject({ parentRunId: parentId, eventCount: child.last_seq });
    expect(state().thread).toMatchObject([
      { runId: parentId, parentRunId: undefined, eventCount: parent.last_seq },
    ]);
    for (const id of AGENTS) {
      expect(shownText(id)).toBe("You said: second question");
      expect(threadText(parentId, id)).toBe("You said: first question");
      expect(child.agents[id]?.text).toBe("You said: second question");
      expect(parent.agents[id]?.text).toBe("You said: first question");
    }
    // The run's open stream went on feeding its thread entry: no reconnect, no second read.
    expect(recorder.requests.map((request) => [request.method, request.url])).toEqual([
      ["POST", `${h.url}/v1/runs`],
      ["POST", `${h.url}/v1/runs/${parentId}/follow-ups`],
    ]);
  });

  it("keeps the run on screen when there is nothing to follow up or the service refuses", async () => {
    harness = await startHarness([echo(1)]);
    await mount(createClient({ baseUrl: harness.url }));
    let refused: unknown;
    await inAct(async () => {
      refused = await state()
        .followUp("too early")
        .catch((error: unknown) => error);
    });
    expect(refused).toMatchObject({ code: "no_run" });

    let parentId = "";
    await inAct(async () => {
      parentId = await state().send({ message: "first", agent_ids: [agentId(1)] });
    });
    await waitFor(() => shownStatus() === "completed", "the run completed on screen");
    await inAct(async () => {
      refused = await state()
        .followUp("again", { max_concurrency: 0 })
        .catch((error: unknown) => error);
    });
    expect(refused).toMatchObject({ code: "validation_failed", status: 422 });
    expect(state()).toMatchObject({
      runId: parentId,
      status: "completed",
      thread: [],
      error: { code: "validation_failed" },
    });
    expect(shownText(agentId(1))).toBe("You said: first");
  });

  it("rebuilds the thread from the page's cache when mounted with a follow-up's id", async () => {
    harness = await startHarness([echo(1)]);
    const recorder = recordingFetch();
    const client = createClient({ baseUrl: harness.url, fetch: recorder.fetch });
    await mount(client);
    let parentId = "";
    await inAct(async () => {
      parentId = await state().send({ message: "first", agent_ids: [agentId(1)] });
    });
    await waitFor(() => shownStatus() === "completed", "the run completed on screen");
    let childId = "";
    await inAct(async () => {
      childId = await state().followUp("second");
    });
    await waitFor(() => shownStatus() === "completed", "the follow-up completed on screen");
    await unmount();
    const requests = recorder.requests.length;

    await mount(client, childId);
    expect(state()).toMatchObject({ runId: childId, parentRunId: parentId, thread: [{ runId: parentId }] });
    expect(shownText(agentId(1))).toBe("You said: second");
    expect(threadText(parentId, agentId(1))).toBe("You said: first");
    // Both runs had ended and were cached: nothing was read again.
    expect(recorder.requests).toHaveLength(requests);
  });
});
