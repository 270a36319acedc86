import { describeError } from "./api.js";
import { el, onMessageSubmit, setText } from "./dom.js";

/**
 * "Ask again" under a thread's last turn: a message for the same agents, in the same
 * conversations, so each answers with the thread so far in mind (`POST /v1/runs/{id}/follow-ups`).
 * Enter sends; Shift+Enter makes a new line. The message is cleared once the service took it.
 *
 * @param {{ onSubmit: (message: string) => Promise<void> }} handlers `onSubmit` rejects with the
 *   service's error, which the form shows.
 */
export function createFollowUpForm({ onSubmit }) {
  const message = /** @type {HTMLTextAreaElement} */ (
    el("textarea", {
      id: "follow-up-message",
      rows: 2,
      placeholder: "Follow up: every agent answers in the same conversation…",
      "aria-describedby": "follow-up-hint",
    })
  );
  const send = /** @type {HTMLButtonElement} */ (
    el("button", { id: "follow-up-send", type: "submit", className: "primary", text: "Ask again" })
  );
  const problem = el("p", { id: "follow-up-error", className: "problem", role: "alert", hidden: true });
  const form = /** @type {HTMLFormElement} */ (
    el(
      "form",
      { className: "follow-up", "aria-label": "Ask again" },
      el("label", { for: "follow-up-message", text: "Ask again" }),
      message,
      el(
        "div",
        { className: "follow-up-actions" },
        send,
        el("p", {
          id: "follow-up-hint",
          className: "hint",
          text: "Same agents, same conversations · Enter sends · Shift+Enter adds a line",
        }),
      ),
      problem,
    )
  );

  /** @param {string | null} text */
  function setProblem(text) {
    problem.hidden = !text;
    setText(problem, text ?? "");
  }

  onMessageSubmit(form, message, submit);

  async function submit() {
    const text = message.value.trim();
    if (!text) {
      setProblem("Type a message first.");
      message.focus();
      return;
    }
    send.disabled = true;
    try {
      await onSubmit(text);
      setProblem(null);
      message.value = "";
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      send.disabled = false;
    }
  }

  return {
    element: form,
    /** Forgets a problem shown for another thread. */
    reset() {
      setProblem(null);
    },
  };
}
