import { describeError } from "./api.js";
import { el, onMessageSubmit, setText } from "./dom.js";

/** The select's value for "paste agent ids" (panel names are lowercase and never start with ":"). */
const CUSTOM = ":ids";
const PANEL_KEY = "letta-fanout:panel";

/**
 * The "new run" form: a panel from `GET /v1/panels` or pasted agent ids, a message, the
 * conversation the agents answer in, and send (`POST /v1/runs`, answered 202). Enter sends;
 * Shift+Enter makes a new line.
 *
 * @param {HTMLFormElement} form
 * @param {{
 *   api: ReturnType<typeof import("./api.js").createApi>,
 *   onStarted: (runId: string, message: string) => void,
 * }} options
 */
export function createComposeForm(form, { api, onStarted }) {
  const target = /** @type {HTMLSelectElement} */ (form.querySelector("#target"));
  const hint = /** @type {HTMLElement} */ (form.querySelector("#target-hint"));
  const idsField = /** @type {HTMLElement} */ (form.querySelector("#ids-field"));
  const ids = /** @type {HTMLTextAreaElement} */ (form.querySelector("#agent-ids"));
  const message = /** @type {HTMLTextAreaElement} */ (form.querySelector("#message"));
  const conversation = /** @type {HTMLSelectElement} */ (form.querySelector("#conversation"));
  const send = /** @type {HTMLButtonElement} */ (form.querySelector("#send"));
  const problem = /** @type {HTMLElement} */ (form.querySelector("#compose-error"));
  /** @type {Map<string, string>} */
  const descriptions = new Map();

  function showTarget() {
    idsField.hidden = target.value !== CUSTOM;
    setText(hint, descriptions.get(target.value) ?? "");
  }

  /** @param {string | null} text */
  function setProblem(text) {
    problem.hidden = !text;
    setText(problem, text ?? "");
  }

  target.addEventListener("change", () => {
    showTarget();
    try {
      localStorage.setItem(PANEL_KEY, target.value);
    } catch {
      // Remembering the choice is a convenience; without storage the first panel is chosen.
    }
  });

  onMessageSubmit(form, message, submit);

  async function submit() {
    const text = message.value.trim();
    if (!text) {
      setProblem("Type a message first.");
      message.focus();
      return;
    }
    /** @type {Record<string, unknown>} */
    const body = { message: text };
    if (target.value === CUSTOM) body.agent_ids = ids.value.split(/[\s,]+/).filter(Boolean);
    else body.panel = target.value;
    // "agent" is the built-in default: leave it out, so a panel's own default still applies.
    if (conversation.value === "new") body.options = { conversation: "new" };
    send.disabled = true;
    try {
      const started = await api.post("/v1/runs", body);
      setProblem(null);
      onStarted(started.run_id, text);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      send.disabled = false;
    }
  }

  return {
    /** Fills the panel choice from the service; shows why when it cannot (e.g. a 401). */
    async loadPanels() {
      let panels = [];
      try {
        panels = (await api.get("/v1/panels")).panels;
        setProblem(null);
      } catch (error) {
        setProblem(`Panels: ${describeError(error)}`);
      }
      const previous = target.value || readChoice();
      descriptions.clear();
      const options = panels.map((/** @type {any} */ panel) => {
        descriptions.set(panel.name, panel.description ?? "");
        return el("option", { value: panel.name, text: `${panel.name} (${describeAgents(panel.agents)})` });
      });
      options.push(el("option", { value: CUSTOM, text: "Paste agent ids…" }));
      target.replaceChildren(...options);
      const values = options.map((option) => /** @type {HTMLOptionElement} */ (option).value);
      target.value = values.includes(previous) ? previous : (values[0] ?? CUSTOM);
      showTarget();
    },
  };
}

/** @param {any[]} agents a panel's agents: by id, or by tags */
function describeAgents(agents) {
  const byId = agents.filter((agent) => agent.id).length;
  const tags = agents.flatMap((agent) => agent.tags ?? []);
  const parts = [];
  if (byId) parts.push(`${byId} agent${byId === 1 ? "" : "s"}`);
  if (tags.length) parts.push(`tags: ${tags.join(", ")}`);
  return parts.join(", ");
}

function readChoice() {
  try {
    return localStorage.getItem(PANEL_KEY) ?? "";
  } catch {
    return "";
  }
}
