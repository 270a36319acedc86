import { createApi, describeError } from "./api.js";
import { createComposeForm } from "./compose-form.js";
import { el, setText } from "./dom.js";
import { followRun } from "./run-follower.js";
import { emptySnapshot } from "./run-snapshot.js";
import { createRunView } from "./run-view.js";
import { createRunsPanel } from "./runs-panel.js";
import { loadThread } from "./thread-loader.js";

/**
 * The dashboard's entry: wires the token field, the new-run form, the runs list and the thread
 * on screen. The run's id lives in the URL hash (`#run=fr-…`), so a reload, a shared link or the
 * back button comes back to the same run, shown with the whole thread it belongs to (its
 * earlier questions and its follow-ups); each turn's text is rebuilt from `GET /v1/runs/{id}`
 * and a running turn is followed from that snapshot's `last_seq`, so nothing is lost or shown twice.
 */
const api = createApi();
const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

/**
 * @typedef {{ runId: string, snapshot: any, extras: Record<string, any>, stop: () => void }} Turn
 *   One run of the thread on screen, and how to stop following it.
 * @typedef {{ focus: string, turns: Map<string, Turn> }} Thread
 *   The turns in order, oldest first; `focus` is the run in the URL and the run header.
 */

/** @type {Thread | undefined} */
let thread;
/** Counts attach calls, so a slow thread load never wins over a later choice. */
let attachCount = 0;

const view = createRunView($("#run"), {
  onStop: () => void cancel(thread?.focus, undefined),
  onStopAgent: (runId, agentId) => void cancel(runId, [agentId]),
  onFollowUp: followUp,
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
  // Someone (another page, the CLI) asked the thread on screen again: show it as it comes.
  onRunStarted: (event) => {
    const last = thread ? [...thread.turns.keys()].at(-1) : undefined;
    if (thread && last !== undefined && event.parent_run_id === last) addFreshTurn(thread, event.run_id);
  },
});

const compose = createComposeForm(/** @type {HTMLFormElement} */ ($("#compose")), {
  api,
  onStarted: (runId, message) => {
    void attach(runId, true);
    view.setMessage(runId, message);
    // On a phone the run sits below the form: bring it into view once there is one to watch.
    const top = $("#run").getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) $("#run").scrollIntoView({ block: "start", behavior: "smooth" });
  },
});

/**
 * Shows a run with its whole thread and follows every turn still running. A run we just
 * started is read from its first event (so live TTFT and retries show); the others start from
 * their snapshots.
 * @param {string} runId
 * @param {boolean} [fresh]
 */
async function attach(runId, fresh = false) {
  const generation = ++attachCount;
  for (const turn of thread?.turns.values() ?? []) turn.stop();
  thread = undefined;
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  runs.setCurrent(runId);
  view.show(runId);
  let loaded;
  try {
    loaded = fresh
      ? { snapshots: [emptySnapshot(runId, Date.now())], gone: undefined }
      : await loadThread(api, runId);
  } catch (error) {
    view.notify({ text: describeError(error), kind: "error" });
    return;
  }
  if (generation !== attachCount) return;
  const shown = { focus: runId, turns: new Map() };
  thread = shown;
  for (const snapshot of loaded.snapshots) addTurn(shown, snapshot);
  view.setGone(loaded.gone);
  showBranches(shown);
}

/**
 * Adds a turn under the others, draws it, and follows it while it runs.
 * @param {Thread} shown
 * @param {any} snapshot
 */
function addTurn(shown, snapshot) {
  /** @type {Turn} */
  const turn = { runId: snapshot.run_id, snapshot, extras: {}, stop: () => {} };
  shown.turns.set(turn.runId, turn);
  view.addTurn(turn.runId, messageOf(snapshot));
  view.render(turn.runId, snapshot, turn.extras);
  const focused = shown.turns.get(shown.focus);
  // The header counts the turns.
  if (focused && focused !== turn) view.render(focused.runId, focused.snapshot, focused.extras, []);
  if (snapshot.status !== "running") return;
  const follower = followRun({
    api,
    snapshot,
    onEvent: (event) => schedule(turn.runId, event.agent_id),
    onNotice: (notice) => view.notify(notice),
    onResync: () => {
      if (thread === shown) void attach(shown.focus);
    },
  });
  turn.extras = follower.extras;
  turn.stop = follower.close;
}

/**
 * A follow-up that just started: read from its first event, like a new run.
 * @param {Thread} shown
 * @param {string} runId
 */
function addFreshTurn(shown, runId) {
  if (!shown.turns.has(runId)) addTurn(shown, emptySnapshot(runId, Date.now()));
}

/**
 * Links each turn's other follow-ups (a turn asked again more than once): the thread on screen
 * goes on with the newest.
 * @param {Thread} shown
 */
function showBranches(shown) {
  for (const turn of shown.turns.values()) {
    const others = (turn.snapshot.follow_ups ?? []).filter(
      (/** @type {string} */ id) => !shown.turns.has(id),
    );
    view.setBranches(turn.runId, others);
  }
}

/**
 * Asks the thread's last turn again (`POST /v1/runs/{id}/follow-ups`), then follows the new run
 * as the thread's next turn, and puts it in the URL.
 * @param {string} message
 */
async function followUp(message) {
  const shown = thread;
  const last = shown ? [...shown.turns.keys()].at(-1) : undefined;
  if (!shown || last === undefined) throw new Error("No run on screen to follow up.");
  const started = await api.post(`/v1/runs/${encodeURIComponent(last)}/follow-ups`, { message });
  if (thread !== shown) return;
  addFreshTurn(shown, started.run_id);
  view.setMessage(started.run_id, message);
  setFocus(shown, started.run_id);
}

/**
 * Puts another turn of the thread on screen in the URL and the run header.
 * @param {Thread} shown
 * @param {string} runId
 */
function setFocus(shown, runId) {
  shown.focus = runId;
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  runs.setCurrent(runId);
  view.setFocus(runId);
  const turn = shown.turns.get(runId);
  if (turn) view.render(runId, turn.snapshot, turn.extras, []);
}

/**
 * Events come faster than frames: gather the agents they touch, per turn, and draw once per
 * frame. `"all"` marks a turn whose run-level events redraw everything.
 * @type {Map<string, Set<string> | "all">}
 */
const dirty = new Map();
let frame = 0;
/**
 * @param {string} runId
 * @param {string | undefined} agentId undefined for run-level events
 */
function schedule(runId, agentId) {
  const known = dirty.get(runId);
  if (agentId === undefined) dirty.set(runId, "all");
  else if (known !== "all") dirty.set(runId, (known ?? new Set()).add(agentId));
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    for (const [id, agents] of dirty) {
      const turn = thread?.turns.get(id);
      if (!turn) continue;
      // run.started names the message (a turn asked elsewhere learns it here).
      const message = agents === "all" ? messageOf(turn.snapshot) : undefined;
      if (message !== undefined) view.setMessage(id, message);
      view.render(id, turn.snapshot, turn.extras, agents === "all" ? undefined : agents);
    }
    dirty.clear();
  });
}

/**
 * @param {string | undefined} runId
 * @param {string[] | undefined} agentIds
 */
async function cancel(runId, agentIds) {
  if (runId === undefined) return;
  try {
    await api.post(`/v1/runs/${encodeURIComponent(runId)}/cancel`, agentIds ? { agent_ids: agentIds } : {});
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
  if (thread || hashRunId()) void attach(thread?.focus ?? hashRunId());
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
  if (!runId || runId === thread?.focus) return;
  // A turn of the thread on screen (its link was followed): only the focus moves.
  if (thread?.turns.has(runId)) setFocus(thread, runId);
  else void attach(runId);
});

void compose.loadPanels();
void runs.start();
if (hashRunId()) void attach(hashRunId());

/**
 * The message a run asked, as text (`run.started.message`: text, or Letta text parts).
 * @param {any} snapshot
 * @returns {string | undefined}
 */
function messageOf(snapshot) {
  const message = snapshot.message;
  if (typeof message === "string") return message;
  if (Array.isArray(message))
    return message.map((/** @type {{ text: string }} */ part) => part.text).join("\n");
  return undefined;
}
