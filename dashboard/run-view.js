import { el, setText } from "./dom.js";
import { createFollowUpForm } from "./follow-up-form.js";
import { AGENT_ENDED, formatMs, runStatusText } from "./format.js";
import { createTurnView } from "./turn-view.js";

/**
 * The run area: a header for the run in the URL (id, status, totals, notices, stop button),
 * then its thread, oldest turn first: each turn's message and one column per agent (a lone run
 * is a thread of one turn), then "Ask again" under the last turn. It only draws: snapshots and
 * extras come from the followers.
 *
 * @param {HTMLElement} root
 * @param {{
 *   onStop: () => void,
 *   onStopAgent: (runId: string, agentId: string) => void,
 *   onFollowUp: (message: string) => Promise<void>,
 * }} handlers
 */
export function createRunView(root, handlers) {
  const title = el("h2", { id: "run-title" }, "Run ");
  const runId = el("code", { className: "run-id" });
  title.append(runId);
  const status = el("span", { className: "status run-status" });
  const summary = el("p", { className: "run-summary" });
  const notice = el("p", { className: "run-notice", role: "status", hidden: true });
  const gone = el("p", { className: "thread-gone hint", hidden: true });
  const stop = el("button", {
    type: "button",
    className: "danger",
    id: "stop-run",
    onclick: () => handlers.onStop(),
    text: "Stop run",
  });
  const header = el(
    "header",
    { className: "run-header" },
    el("div", { className: "run-heading" }, title, status),
    el("div", { className: "run-controls" }, summary, stop),
  );
  const turns = el("div", { className: "thread" });
  const followUp = createFollowUpForm({ onSubmit: handlers.onFollowUp });
  const empty = el(
    "div",
    { className: "empty" },
    el("p", { text: "No run on screen." }),
    el("p", {
      className: "hint",
      text: "Pick a panel (or paste agent ids), type a message and press Enter, or attach to a run from the list.",
    }),
  );
  root.replaceChildren(empty);

  /** @type {Map<string, ReturnType<typeof createTurnView>>} */
  let views = new Map();
  let focus = "";

  function place() {
    const order = [...views.values()];
    order.forEach((view, index) => view.place(index, order.length));
    followUp.element.hidden = order.length === 0;
  }

  return {
    /**
     * Starts drawing the thread of run `id` (dropping what was on screen).
     * @param {string} id
     */
    show(id) {
      views = new Map();
      focus = id;
      turns.replaceChildren();
      setText(runId, id);
      // The previous run's status must not linger while this one loads.
      setText(status, "loading");
      status.dataset.status = "loading";
      setText(summary, "");
      stop.hidden = true;
      notice.hidden = true;
      gone.hidden = true;
      followUp.reset();
      followUp.element.hidden = true;
      root.replaceChildren(header, notice, gone, turns, followUp.element);
    },

    /**
     * Adds a turn after the last one (a no-op for a turn already on screen).
     * @param {string} id
     * @param {string | undefined} message
     */
    addTurn(id, message) {
      if (views.has(id)) return;
      const view = createTurnView(id, { onStopAgent: handlers.onStopAgent });
      view.setMessage(message);
      view.setFocused(id === focus);
      views.set(id, view);
      turns.append(view.element);
      place();
    },

    /** @param {string} id @param {string | undefined} message */
    setMessage(id, message) {
      views.get(id)?.setMessage(message);
    },

    /** @param {string} id @param {string[]} runIds */
    setBranches(id, runIds) {
      views.get(id)?.setBranches(runIds);
    },

    /**
     * The run the header (and the URL) is about.
     * @param {string} id
     */
    setFocus(id) {
      focus = id;
      setText(runId, id);
      for (const [turnId, view] of views) view.setFocused(turnId === focus);
    },

    /** @param {string | undefined} id a run of the thread the service no longer has */
    setGone(id) {
      gone.hidden = id === undefined;
      setText(
        gone,
        id ? `Run ${id} of this thread is no longer kept by the service; its turn is left out.` : "",
      );
    },

    /** @param {{ text: string, kind: string } | null} value */
    notify(value) {
      notice.hidden = !value;
      setText(notice, value?.text ?? "");
      notice.dataset.kind = value?.kind ?? "info";
    },

    /**
     * Redraws a turn's columns of `agentIds` (all when undefined), and the header when the
     * turn is the one in focus.
     * @param {string} id
     * @param {any} snapshot
     * @param {Record<string, any>} extras
     * @param {Iterable<string>} [agentIds]
     */
    render(id, snapshot, extras, agentIds) {
      views.get(id)?.render(snapshot, extras, agentIds);
      if (id !== focus) return;
      const ended = snapshot.status !== "running";
      setText(status, runStatusText(snapshot.status));
      status.dataset.status = snapshot.status;
      stop.hidden = ended;
      const agents = Object.entries(snapshot.agents);
      const done = agents.filter(([, agent]) => AGENT_ENDED.has(agent.status)).length;
      const totals = [`${done}/${agents.length} agents done`];
      if (views.size > 1) totals.unshift(`turn ${[...views.keys()].indexOf(id) + 1} of ${views.size}`);
      if (snapshot.metrics) {
        totals.push(`${formatMs(snapshot.metrics.duration_ms)} total`);
        totals.push(`first text ${formatMs(snapshot.metrics.ttft_ms)}`);
      }
      setText(summary, totals.join(" · "));
    },
  };
}
