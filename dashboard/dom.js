/**
 * Builds an element. Text goes in as textContent or Text nodes, never as markup: agent output
 * and API messages are data, and this helper offers no way to treat them as HTML.
 *
 * @example el("button", { type: "button", onclick: stop, text: "Stop" })
 * @param {string} tag
 * @param {Record<string, unknown>} [props] attributes; `text`, `className`, `dataset` and `on*`
 *   listeners are special; `undefined`, `null` and `false` leave an attribute out.
 * @param {...(Node | string)} children
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/**
 * Sets a node's text only when it changed, so a re-render of an unchanged column costs no layout.
 * @param {Node} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * A message form: Enter sends (Shift+Enter adds a line; Enter that confirms an IME composition
 * does not send), and a submit runs `submit` instead of loading a page.
 * @param {HTMLFormElement} form
 * @param {HTMLTextAreaElement} message
 * @param {() => Promise<void>} submit
 */
export function onMessageSubmit(form, message, submit) {
  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
}
