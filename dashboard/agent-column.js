import { el, setText } from "./dom.js";
import { AGENT_ENDED, agentStatusText, agentWaitText, formatMs, formatRate } from "./format.js";

/** How close to the bottom (px) counts as "following" the text, so new text scrolls into view. */
const FOLLOW_SLACK_PX = 24;
/** Numbers the columns' element ids: one agent has a column in every turn of a thread. */
let columnCount = 0;

/**
 * One agent's column: label, status, metrics, its error, reasoning and tool calls (collapsible),
 * and the answer text. Every piece of agent output goes in through textContent.
 *
 * @param {string} agentId
 * @param {{ onStop: (agentId: string) => void }} handlers
 */
export function createAgentColumn(agentId, handlers) {
  const name = el("h3", { className: "agent-name", id: `agent-name-${++columnCount}` });
  const status = el("span", { className: "status" });
  const stop = el("button", {
    type: "button",
    className: "agent-stop ghost",
    onclick: () => handlers.onStop(agentId),
    text: "Stop",
  });
  const ttft = el("dd", { dataset: { metric: "ttft" } });
  const rate = el("dd", { dataset: { metric: "tokens-per-second" } });
  const attempts = el("dd", { dataset: { metric: "attempts" } });
  const metrics = el(
    "dl",
    { className: "agent-metrics" },
    el("div", {}, el("dt", { text: "TTFT" }), ttft),
    el("div", {}, el("dt", { text: "tok/s" }), rate),
    el("div", {}, el("dt", { text: "attempts" }), attempts),
  );
  const wait = el("p", { className: "agent-wait", hidden: true });
  const error = el("p", { className: "agent-error", hidden: true });
  const reasoningText = el("pre", { className: "reasoning-text" });
  // Open by default so thinking streams in view; a reader's toggle is never overridden.
  const reasoning = el(
    "details",
    { className: "reasoning", open: true, hidden: true },
    el("summary", { text: "Reasoning" }),
    reasoningText,
  );
  const tools = el("div", { className: "tool-calls" });
  /** @type {Map<string, ReturnType<typeof toolCallView>>} */
  const toolViews = new Map();
  const answer = el("div", { className: "answer" });
  const body = el("div", { className: "agent-body" }, wait, error, reasoning, tools, answer);
  const element = el(
    "article",
    { className: "agent", dataset: { agentId }, "aria-labelledby": name.id },
    el(
      "header",
      { className: "agent-header" },
      el("div", { className: "agent-title" }, name, el("code", { className: "agent-id", text: agentId })),
      el("div", { className: "agent-actions" }, status, stop),
    ),
    metrics,
    body,
  );

  /**
   * @param {any} agent the agent in the run snapshot
   * @param {{ ttftMs?: number, retryAttempt?: number, queuePosition?: number, queueReason?: string }} extra
   * @param {boolean} runEnded
   */
  function update(agent, extra, runEnded) {
    const following = body.scrollHeight - body.scrollTop - body.clientHeight < FOLLOW_SLACK_PX;
    const label = agent.label ?? agentId;
    setText(name, label);
    setText(status, agentStatusText(agent, extra));
    status.dataset.status = agent.status;
    element.dataset.status = agent.status;
    stop.hidden = runEnded || AGENT_ENDED.has(agent.status);
    stop.setAttribute("aria-label", `Stop ${label}`);
    setText(ttft, formatMs(agent.metrics ? agent.metrics.ttft_ms : extra.ttftMs));
    setText(rate, formatRate(agent.metrics?.tokens_per_second));
    setText(attempts, String(agent.metrics?.attempts ?? agent.attempts));
    const waiting = agentWaitText(agent, extra);
    wait.hidden = !waiting;
    setText(wait, waiting);
    error.hidden = !agent.error;
    if (agent.error) setText(error, `${agent.error.code}: ${agent.error.message}`);
    reasoning.hidden = agent.reasoning === "";
    setText(reasoningText, agent.reasoning);
    for (const call of agent.tool_calls) {
      let view = toolViews.get(call.tool_call_id);
      if (!view) {
        view = toolCallView();
        toolViews.set(call.tool_call_id, view);
        tools.append(view.element);
      }
      view.update(call);
    }
    setText(answer, agent.text);
    if (following) body.scrollTop = body.scrollHeight;
  }

  return { element, update };
}

/** A tool call as a collapsed <details>: name and status in the summary, arguments and result inside. */
function toolCallView() {
  const name = el("span", { className: "tool-name" });
  const state = el("span", { className: "tool-status" });
  const args = el("pre", { className: "tool-arguments" });
  const result = el("pre", { className: "tool-result" });
  const resultBlock = el("div", { hidden: true }, el("h4", { text: "Result" }), result);
  const element = el(
    "details",
    { className: "tool-call" },
    el("summary", {}, el("span", { className: "tool-tag", text: "tool" }), name, state),
    el("h4", { text: "Arguments" }),
    args,
    resultBlock,
  );
  /** @param {{ name?: string, arguments: string, status?: string, result?: string }} call */
  function update(call) {
    setText(name, call.name ?? "tool call");
    setText(state, call.status ?? "running…");
    state.dataset.status = call.status ?? "running";
    setText(args, pretty(call.arguments));
    resultBlock.hidden = call.result === undefined;
    setText(result, call.result ?? "");
  }
  return { element, update };
}

/**
 * Arguments arrive as JSON text in pieces; once they parse, show them indented.
 * @param {string} text
 */
function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
