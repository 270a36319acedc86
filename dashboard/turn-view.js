import { createAgentColumn } from "./agent-column.js";
import { el, setText } from "./dom.js";
import { runStatusText, shortId } from "./format.js";

/**
 * One turn of a thread: the message asked, then one column per agent with its answer to it, in
 * the order of `run.started`. In a thread of several turns it also names its run and status,
 * and links the run's other follow-ups (a turn asked again more than once branches; the thread
 * on screen goes on with the newest).
 *
 * @param {string} runId
 * @param {{ onStopAgent: (runId: string, agentId: string) => void }} handlers
 */
export function createTurnView(runId, handlers) {
  const href = `#run=${encodeURIComponent(runId)}`;
  const heading = el("h3", { className: "turn-title", id: `turn-${runId}-title` });
  const status = el("span", { className: "status turn-status" });
  const header = el(
    "header",
    { className: "turn-header", hidden: true },
    heading,
    el("a", { className: "turn-link", href, title: runId }, el("code", { text: shortId(runId) })),
    status,
  );
  const messageText = el("p", { className: "turn-message-text" });
  const message = el(
    "div",
    { className: "turn-message" },
    el("p", { className: "turn-message-label", text: "Asked" }),
    messageText,
  );
  const columns = el("div", { className: "columns" });
  const branches = el("p", { className: "turn-branches hint", hidden: true });
  const element = el(
    "section",
    { className: "turn", dataset: { runId }, "aria-labelledby": heading.id },
    header,
    message,
    columns,
    branches,
  );
  /** @type {Map<string, ReturnType<typeof createAgentColumn>>} */
  const views = new Map();
  const onStop = (/** @type {string} */ agentId) => handlers.onStopAgent(runId, agentId);

  return {
    element,

    /**
     * Where the turn stands in its thread; a lone run needs no turn header.
     * @param {number} index 0 for the first question
     * @param {number} count turns in the thread
     */
    place(index, count) {
      header.hidden = count < 2;
      setText(heading, count < 2 ? "Run" : `Turn ${index + 1}`);
    },

    /** @param {boolean} focused the turn whose run is in the URL and the run header */
    setFocused(focused) {
      if (focused) element.setAttribute("aria-current", "true");
      else element.removeAttribute("aria-current");
    },

    /** @param {string | undefined} text the message, once known (its run.started names it) */
    setMessage(text) {
      message.dataset.known = String(text !== undefined);
      setText(messageText, text ?? "…");
    },

    /** @param {string[]} runIds the run's follow-ups that the thread on screen does not go on with */
    setBranches(runIds) {
      branches.hidden = runIds.length === 0;
      const links = runIds.map((id) =>
        el("a", { href: `#run=${encodeURIComponent(id)}`, title: id }, el("code", { text: shortId(id) })),
      );
      branches.replaceChildren(
        "Also asked again as ",
        ...links.flatMap((link, index) => (index === 0 ? [link] : [", ", link])),
      );
    },

    /**
     * Redraws the status and the columns of `agentIds` (all when undefined).
     * @param {any} snapshot
     * @param {Record<string, any>} extras
     * @param {Iterable<string>} [agentIds]
     */
    render(snapshot, extras, agentIds) {
      setText(status, runStatusText(snapshot.status));
      status.dataset.status = snapshot.status;
      const ended = snapshot.status !== "running";
      for (const agentId of agentIds ?? Object.keys(snapshot.agents)) {
        const agent = snapshot.agents[agentId];
        if (!agent) continue;
        let view = views.get(agentId);
        if (!view) {
          view = createAgentColumn(agentId, { onStop });
          views.set(agentId, view);
          columns.append(view.element);
        }
        view.update(agent, extras[agentId] ?? {}, ended);
      }
    },
  };
}
