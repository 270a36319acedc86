import { describeError } from "./api.js";
import { el, setText } from "./dom.js";
import { formatTime, runStatusText, shortId } from "./format.js";

/** Rows kept in the list; older runs remain reachable by id. */
const MAX_ROWS = 50;

/**
 * @typedef {{ run_id: string, status: string, created_at: string, panel?: string | null,
 *   agents?: number, done?: number }} RunRow
 */

/**
 * The list of recent runs (`GET /v1/runs`), kept live by the firehose (`GET /v1/events`):
 * new runs appear as they start, and each row's status and progress follow its events.
 * EventSource resumes the firehose by itself; when the service no longer has our cursor (410 or
 * a `cursor_expired` frame: retention overtook it, or the service restarted and the runs it
 * named are gone) the list starts over: live from now, and listed again from `GET /v1/runs`.
 *
 * @param {HTMLUListElement} list
 * @param {HTMLElement} live the connection indicator
 * @param {{
 *   api: ReturnType<typeof import("./api.js").createApi>,
 *   onPick: (runId: string) => void,
 *   onProblem: (message: string | null) => void,
 *   onRunStarted?: (event: any) => void,
 * }} options `onRunStarted` sees every `run.started` of the live feed (a follow-up names its
 *   parent run there).
 */
export function createRunsPanel(list, live, { api, onPick, onProblem, onRunStarted }) {
  /** @type {Map<string, { row: RunRow, item: HTMLLIElement }>} */
  const rows = new Map();
  /** @type {EventSource | undefined} */
  let firehose;
  /** The id of the last firehose event seen (what EventSource sends back as Last-Event-ID). */
  let lastEventId = "";
  let current = "";

  /** @param {RunRow} row @param {boolean} [newest] */
  function upsert(row, newest = false) {
    const known = rows.get(row.run_id);
    if (known) {
      Object.assign(known.row, row);
      draw(known.row, known.item);
      return;
    }
    const item = el("li", { dataset: { runId: row.run_id } });
    rows.set(row.run_id, { row, item });
    draw(row, item);
    if (newest) list.prepend(item);
    else list.append(item);
    // The list is newest first, so the last item is the oldest run.
    while (rows.size > MAX_ROWS && list.lastElementChild instanceof HTMLLIElement) {
      rows.delete(list.lastElementChild.dataset.runId ?? "");
      list.lastElementChild.remove();
    }
  }

  /** @param {RunRow} row @param {HTMLLIElement} item */
  function draw(row, item) {
    const progress =
      row.agents === undefined
        ? ""
        : row.done === undefined || row.status !== "running"
          ? `${row.agents} agents`
          : `${row.done}/${row.agents} done`;
    const where = row.panel ? `${row.panel} · ` : "";
    const button = el(
      "button",
      {
        type: "button",
        className: "run-row",
        dataset: { runId: row.run_id },
        "aria-current": row.run_id === current ? "true" : false,
        title: row.run_id,
        onclick: () => onPick(row.run_id),
      },
      el("span", { className: "status", dataset: { status: row.status }, text: runStatusText(row.status) }),
      el("code", { text: shortId(row.run_id) }),
      el("span", { className: "run-row-meta", text: `${where}${progress}` }),
      el("time", { dateTime: row.created_at, text: formatTime(row.created_at) }),
    );
    const focused = item.contains(document.activeElement);
    item.replaceChildren(button);
    if (focused) button.focus();
  }

  /** @param {MessageEvent} message */
  function onFirehose(message) {
    lastEventId = message.lastEventId;
    const event = JSON.parse(message.data);
    const known = rows.get(event.run_id)?.row;
    if (event.type === "run.started") {
      const row = {
        run_id: event.run_id,
        status: "running",
        created_at: new Date(event.ts).toISOString(),
        panel: event.panel ?? null,
      };
      upsert({ ...row, agents: event.agents.length, done: 0 }, true);
      onRunStarted?.(event);
    } else if (known && event.type === "agent.completed" && known.done !== undefined) {
      upsert({ ...known, done: known.done + 1 });
    } else if (known && event.type === "run.completed") {
      upsert({ ...known, status: event.status });
    }
  }

  /** Opens the feed live from now (no cursor). */
  function connect() {
    firehose?.close();
    lastEventId = "";
    // Only what the list shows; EventSource drops event types nobody listens to.
    const source = new EventSource(api.streamUrl("/v1/events"));
    firehose = source;
    for (const type of ["run.started", "agent.completed", "run.completed"]) {
      source.addEventListener(type, onFirehose);
    }
    source.addEventListener("open", () => setText(live, "live"));
    source.addEventListener("error", (event) => {
      if (source !== firehose) return;
      if (event instanceof MessageEvent) {
        // The reader's own error frame: after `cursor_expired` a reconnect would only get 410.
        if (safeCode(event.data) === "cursor_expired") void start();
        else setText(live, "reconnecting…");
        return;
      }
      if (source.readyState === EventSource.CONNECTING) {
        setText(live, "reconnecting…");
        return;
      }
      setText(live, "offline");
      // EventSource hides the status (401? 410?); ask again with fetch, with our cursor, to say why.
      api.probe(api.streamUrl("/v1/events"), lastEventId).then(
        // The cursor is still good but EventSource gave up (a 503?): start over in a moment.
        () => {
          window.setTimeout(() => {
            if (source === firehose) void start();
          }, 1_000);
        },
        (error) => {
          if (source !== firehose) return;
          if (/** @type {{ status?: number }} */ (error).status === 410) void start();
          else onProblem(`Live runs: ${describeError(error)}`);
        },
      );
    });
  }

  /**
   * Opens the feed live from now and lists the runs again, replacing the rows: whatever happened
   * while no feed was open (or before a restart, whose runs are gone) is then what the service says.
   */
  async function start() {
    // The feed first, so that a run starting while the list loads is not missed.
    connect();
    rows.clear();
    list.replaceChildren();
    try {
      const page = await api.get("/v1/runs?limit=20");
      for (const run of page.runs) upsert(run);
      onProblem(null);
    } catch (error) {
      onProblem(`Runs: ${describeError(error)}`);
    }
  }

  return {
    /** (Re)loads the list and (re)opens the live feed, e.g. after the token changed. */
    start,
    /** @param {string} runId */
    setCurrent(runId) {
      current = runId;
      for (const { row, item } of rows.values()) draw(row, item);
    },
  };
}

/** The `code` of a reader error frame's data, if it has one. @param {string} data */
function safeCode(data) {
  try {
    return JSON.parse(data).code;
  } catch {
    return undefined;
  }
}
