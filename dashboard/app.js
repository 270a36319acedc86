import { createApi, describeError } from "./api.js";
import { createComposeForm } from "./compose-form.js";
import { el, setText } from "./dom.js";
import { followRun } from "./run-follower.js";
import { emptySnapshot } from "./run-snapshot.js";
import { createRunView } from "./run-view.js";
import { createRunsPanel } from "./runs-panel.js";

/**
 * The dashboard's entry: wires the token field, the new-run form, the runs list and the run on
 * screen. The run's id lives in the URL hash (`#run=fr-…`), so a reload, a shared link or the
 * back button comes back to the same run; its text is then rebuilt from `GET /v1/runs/{id}`
 * and followed from that snapshot's `last_seq`, so nothing is lost or shown twice.
 */
const api = createApi();
const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

/** @type {{ runId: string, snapshot: any, stop: () => void, extras: Record<string, any> } | undefined} */
let current;
/** Counts attach calls, so a slow snapshot load never wins over a later choice. */
let attachCount = 0;

const view = createRunView($("#run"), {
  onStop: () => void cancel(undefined),
  onStopAgent: (agentId) => void cancel([agentId]),
});

const runsProblem = el("p", { className: "problem", role: "alert", hidden: true });
$("#runs").append(runsProblem);
const runs = createRunsPanel(/** @type {HTMLUListElement} */ ($("#runs-list")), $("#runs-live"), {
  api,
  onPick: (runId) => void attach(runId),
  onProblem: (message) => {
    runsProblem.hidden = !message;
    setText(runsProblem, message ?? "");
  },
});

const compose = createComposeForm(/** @type {HTMLFormElement} */ ($("#compose")), {
  api,
  onStarted: (runId) => {
    void attach(runId, true);
    // On a phone the run sits below the form: bring it into view once there is one to watch.
    const top = $("#run").getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) $("#run").scrollIntoView({ block: "start", behavior: "smooth" });
  },
});

/**
 * Shows a run and follows it live. A run we just started is read from its first event (so live
 * TTFT and retries show); any other starts from its snapshot.
 * @param {string} runId
 * @param {boolean} [fresh]
 */
async function attach(runId, fresh = false) {
  const generation = ++attachCount;
  current?.stop();
  current = undefined;
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  runs.setCurrent(runId);
  view.show(runId);
  let snapshot;
  try {
    snapshot = fresh
      ? emptySnapshot(runId, Date.now())
      : await api.get(`/v1/runs/${encodeURIComponent(runId)}`);
  } catch (error) {
    view.notify({ text: describeError(error), kind: "error" });
    return;
  }
  if (generation !== attachCount) return;
  const state = { runId, snapshot, extras: {}, stop: () => {} };
  current = state;
  view.render(snapshot, state.extras);
  if (snapshot.status !== "running") return;
  const follower = followRun({
    api,
    snapshot,
    onEvent: (event) => schedule(event.agent_id),
    onNotice: (notice) => view.notify(notice),
    onResync: () => void attach(runId),
  });
  state.extras = follower.extras;
  state.stop = follower.close;
}

/** Events come faster than frames: gather the agents they touch and draw once per frame. */
const dirty = new Set();
let allDirty = false;
let frame = 0;
/** @param {string | undefined} agentId undefined for run-level events, which redraw everything */
function schedule(agentId) {
  if (agentId === undefined) allDirty = true;
  else dirty.add(agentId);
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    if (current) view.render(current.snapshot, current.extras, allDirty ? undefined : dirty);
    dirty.clear();
    allDirty = false;
  });
}

/** @param {string[] | undefined} agentIds */
async function cancel(agentIds) {
  if (!current) return;
  try {
    await api.post(
      `/v1/runs/${encodeURIComponent(current.runId)}/cancel`,
      agentIds ? { agent_ids: agentIds } : {},
    );
  } catch (error) {
    view.notify({ text: `Stop failed: ${describeError(error)}`, kind: "error" });
  }
}

function hashRunId() {
  const match = /^#run=(.+)$/.exec(location.hash);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

const tokenInput = /** @type {HTMLInputElement} */ ($("#token"));
tokenInput.value = api.token();
$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  api.setToken(tokenInput.value);
  // Everything the old token was refused for is asked again.
  void compose.loadPanels();
  void runs.start();
  if (current || hashRunId()) void attach(current?.runId ?? hashRunId());
});

$("#attach").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("#attach-id"));
  const runId = input.value.trim();
  if (runId) void attach(runId);
});

$("#runs-refresh").addEventListener("click", () => void runs.start());

window.addEventListener("hashchange", () => {
  const runId = hashRunId();
  if (runId && runId !== current?.runId) void attach(runId);
});

void compose.loadPanels();
void runs.start();
if (hashRunId()) void attach(hashRunId());
