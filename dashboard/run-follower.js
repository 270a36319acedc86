import { describeError } from "./api.js";
// The server's own reducer, compiled (served from dist/): the page folds events exactly as
// GET /v1/runs/{id} does, so what a column shows is what the snapshot says.
import { applyEvent } from "./run-snapshot.js";

/** Every event type of a run log (API.md §3); EventSource only delivers types it listens to. */
const EVENT_TYPES = [
  "run.started",
  "agent.queued",
  "agent.started",
  "agent.delta",
  "agent.tool_call",
  "agent.tool_result",
  "agent.usage",
  "agent.letta",
  "agent.retry",
  "agent.completed",
  "run.completed",
];

/** How long to wait before opening the stream again after the service refused it transiently. */
const REOPEN_DELAY_MS = 1_000;

/**
 * @typedef {{ startTs?: number, ttftMs?: number, retryAttempt?: number, queuePosition?: number,
 *   queueReason?: string }} AgentExtra
 *   What a live view shows beyond the snapshot: TTFT before the agent's metrics arrive, the
 *   attempt a retry is about to make, the queue position and what the agent waits for
 *   (`concurrency`, or `conversation_busy`: another run is using its conversation).
 * @typedef {{ text: string, kind: "info" | "error" }} Notice
 */

/**
 * Follows one run's log from `snapshot.last_seq` (0 for a new run) and folds each event into
 * `snapshot`. EventSource reconnects by itself with Last-Event-ID; events at or below the last
 * folded `seq` are skipped, so a replay never repeats text, and a gap makes it read again from
 * what it has instead of folding past a hole.
 *
 * @param {{
 *   api: ReturnType<typeof import("./api.js").createApi>,
 *   snapshot: any,
 *   onEvent: (event: any) => void,
 *   onNotice: (notice: Notice | null) => void,
 *   onResync: () => void,
 * }} options `onResync` is called when the log no longer has our cursor (retention): the
 *   caller starts over from a fresh snapshot.
 */
export function followRun({ api, snapshot, onEvent, onNotice, onResync }) {
  /** @type {Record<string, AgentExtra>} */
  const extras = {};
  /** @type {EventSource | undefined} */
  let source;
  let closed = false;
  let dropped = false;
  /** The last reader error frame, kept on screen while EventSource reconnects after it. */
  let frameMessage = "";
  let timer = 0;
  const path = `/v1/runs/${encodeURIComponent(snapshot.run_id)}/events`;

  function open() {
    source?.close();
    source = new EventSource(api.streamUrl(path, { after: String(snapshot.last_seq) }));
    for (const type of EVENT_TYPES) source.addEventListener(type, receive);
    source.addEventListener("open", () => {
      if (dropped) onNotice({ text: `Reconnected; resumed after event ${snapshot.last_seq}.`, kind: "info" });
      dropped = false;
      frameMessage = "";
    });
    source.addEventListener("error", failed);
  }

  /** @param {MessageEvent} message */
  function receive(message) {
    const event = JSON.parse(message.data);
    if (event.seq <= snapshot.last_seq) return;
    if (event.seq !== snapshot.last_seq + 1) {
      open();
      return;
    }
    track(event);
    applyEvent(snapshot, event);
    onEvent(event);
    if (event.type === "run.completed") close();
  }

  /** @param {Event} event */
  function failed(event) {
    if (closed || !source) return;
    dropped = true;
    if (event instanceof MessageEvent) {
      // The reader's own `event: error` frame (API.md §3), e.g. shutting_down; the stream closes
      // after it and EventSource reconnects unless the cursor is gone.
      const frame = safeParse(event.data);
      frameMessage = `${frame.code ?? "error"}: ${frame.message ?? event.data}`;
      onNotice({ text: frameMessage, kind: "error" });
      if (frame.code === "cursor_expired") {
        close();
        onResync();
      }
      return;
    }
    if (source.readyState === EventSource.CONNECTING) {
      const text = frameMessage ? `${frameMessage} Reconnecting…` : "Connection lost; reconnecting…";
      onNotice({ text, kind: frameMessage ? "error" : "info" });
      return;
    }
    void diagnose();
  }

  /**
   * EventSource gave up (a non-200 answer): find out why, show it, and retry what can be
   * retried. A 204 means the run has ended and we have read all of it: nothing more will come.
   */
  async function diagnose() {
    const url = api.streamUrl(path, { after: String(snapshot.last_seq) });
    try {
      const status = await api.probe(url);
      if (closed) return;
      if (status === 204) {
        close();
        onNotice({ text: "The run has ended; there is nothing more to read.", kind: "info" });
        return;
      }
      reopenSoon();
    } catch (error) {
      if (closed) return;
      const status = /** @type {{ status?: number }} */ (error).status ?? 0;
      onNotice({ text: describeError(error), kind: "error" });
      if (status === 410) {
        close();
        onResync();
      } else if (status === 0 || status >= 500 || status === 429) reopenSoon();
    }
  }

  function reopenSoon() {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      if (!closed) open();
    }, REOPEN_DELAY_MS);
  }

  /** @param {any} event */
  function track(event) {
    if (typeof event.agent_id !== "string") return;
    const extra = (extras[event.agent_id] ??= {});
    if (event.type === "agent.queued") {
      extra.queuePosition = event.position;
      extra.queueReason = event.reason;
    } else if (event.type === "agent.started") extra.startTs ??= event.ts;
    else if (event.type === "agent.retry") extra.retryAttempt = event.attempt;
    else if (event.type === "agent.delta" && extra.ttftMs === undefined && extra.startTs !== undefined) {
      // Measured from the first attempt's start; the agent's metrics replace it when it ends.
      extra.ttftMs = event.ts - extra.startTs;
    }
  }

  function close() {
    closed = true;
    clearTimeout(timer);
    source?.close();
  }

  open();
  return { extras, close };
}

/** @param {string} text */
function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
