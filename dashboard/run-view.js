import { createAgentColumn } from "./agent-column.js";
import { el, setText } from "./dom.js";
import { AGENT_ENDED, formatMs, runStatusText } from "./format.js";

/**
 * The run area: a header (id, status, totals, notices, stop button) and one column per agent,
 * in the order of `run.started`. It only draws: the snapshot and extras come from the follower.
 *
 * @param {HTMLElement} root
 * @param {{ onStop: () => void, onStopAgent: (agentId: string) => void }} handlers
 */
export function createRunView(root, handlers) {
  const title = el("h2", { id: "run-title" }, "Run ");
  const runId = el("code", { className: "run-id" });
  title.append(runId);
  const status = el("span", { className: "status run-status" });
  const summary = el("p", { className: "run-summary" });
  const notice = el("p", { className: "run-notice", role: "status", hidden: true });
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
  const columns = el("div", { className: "columns" });
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

  /** @type {Map<string, ReturnType<typeof createAgentColumn>>} */
  let views = new Map();

  return {
    /**
     * Starts drawing a run (dropping the previous one's columns).
     * @param {string} id
     */
    show(id) {
      views = new Map();
      columns.replaceChildren();
      setText(runId, id);
      // The previous run's status must not linger while this one loads.
      setText(status, "loading");
      status.dataset.status = "loading";
      setText(summary, "");
      notice.hidden = true;
      root.replaceChildren(header, notice, columns);
    },

    /** @param {{ text: string, kind: string } | null} value */
    notify(value) {
      notice.hidden = !value;
      setText(notice, value?.text ?? "");
      notice.dataset.kind = value?.kind ?? "info";
    },

    /**
     * Redraws the header and the columns of `agentIds` (all when undefined).
     * @param {any} snapshot
     * @param {Record<string, any>} extras
     * @param {Iterable<string>} [agentIds]
     */
    render(snapshot, extras, agentIds) {
      const ended = snapshot.status !== "running";
      setText(status, runStatusText(snapshot.status));
      status.dataset.status = snapshot.status;
      stop.hidden = ended;
      const agents = Object.entries(snapshot.agents);
      const done = agents.filter(([, agent]) => AGENT_ENDED.has(agent.status)).length;
      const totals = [`${done}/${agents.length} agents done`];
      if (snapshot.metrics) {
        totals.push(`${formatMs(snapshot.metrics.duration_ms)} total`);
        totals.push(`first text ${formatMs(snapshot.metrics.ttft_ms)}`);
      }
      setText(summary, totals.join(" · "));
      const ids = agentIds ? [...agentIds] : Object.keys(snapshot.agents);
      for (const agentId of ids) {
        const agent = snapshot.agents[agentId];
        if (!agent) continue;
        let view = views.get(agentId);
        if (!view) {
          view = createAgentColumn(agentId, { onStop: handlers.onStopAgent });
          views.set(agentId, view);
          columns.append(view.element);
        }
        view.update(agent, extras[agentId] ?? {}, ended);
      }
    },
  };
}
