import type { FanoutEvent } from "../protocol/events.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import { linkAbort, sleep } from "./abort-link.js";
import { FanoutError } from "./fanout-error.js";
import { assertEventStream, type HttpTransport } from "./http-transport.js";
import { parseEventMessage, readerError } from "./parse-event.js";
import { readSse } from "./read-sse.js";
import { reconnectDelay, type ReconnectSettings } from "./reconnect-delay.js";
import { SseParser } from "./sse-parser.js";

/** A connection whose response headers have arrived; its controller closes it. */
export interface OpenConnection {
  response: Response;
  controller: AbortController;
  unlink: () => void;
}

/** Where a RunEventStream starts. */
export interface RunEventStreamInit {
  runId: string;
  transport: HttpTransport;
  reconnect: ReconnectSettings;
  /** The caller's signal: aborting ends iteration quietly and closes the connection. */
  signal?: AbortSignal | undefined;
  /** Read after this cursor; without it, from the run's first event (seq 1). */
  after?: string | undefined;
  /** An already open stream of this run to read first (the response of `POST /v1/runs`). */
  opened?: OpenConnection;
}

/**
 * The events of one run, from its start (or a cursor) to `run.completed`, across reconnects;
 * a `204 No Content` (the cursor is at or past the end of a finished run) ends it at once. Every event is validated; `seq` is checked gapless (a gap is a FanoutError `sequence_gap`),
 * and events already yielded are skipped, so a reconnect never repeats or loses one. When the
 * connection breaks, or ends before `run.completed`, it reconnects to
 * `GET /v1/runs/{id}/events` with `Last-Event-ID` = the last cursor, with exponential backoff
 * (or the `retry:` hint of a `shutting_down` frame), and gives up with `network_error` after
 * `maxAttempts` consecutive reconnects without a new event.
 *
 * One loop at a time. Leaving a loop early (break) closes the connection; looping again
 * continues after the last event the first loop received.
 */
export class RunEventStream implements AsyncIterable<FanoutEvent> {
  readonly runId: string;
  private cursor: string | undefined;
  private lastSeq: number | undefined;
  private opened: OpenConnection | undefined;
  private iterating = false;
  private finished = false;

  constructor(private readonly init: RunEventStreamInit) {
    this.runId = init.runId;
    this.cursor = init.after;
    // Without a cursor the stream starts at seq 1, so even the first event is checked for a gap.
    this.lastSeq = init.after === undefined ? 0 : undefined;
    this.opened = init.opened;
  }

  /** The cursor (SSE id) of the last event yielded: pass it as `after` to resume from there. */
  lastCursor(): string | undefined {
    return this.cursor;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FanoutEvent, void, undefined> {
    if (this.iterating)
      throw new FanoutError("already_iterating", "This event stream is already being read.");
    this.iterating = true;
    try {
      yield* this.read();
    } finally {
      this.iterating = false;
      this.opened?.controller.abort();
      this.opened?.unlink();
      this.opened = undefined;
    }
  }

  private async *read(): AsyncGenerator<FanoutEvent, void, undefined> {
    const { signal, reconnect } = this.init;
    let failures = 0;
    let delayMs = 0;
    let lastError: unknown;
    while (!this.finished && !signal?.aborted) {
      if (failures > reconnect.maxAttempts) {
        throw new FanoutError(
          "network_error",
          `Lost the event stream of run ${this.runId} and could not get it back in ${reconnect.maxAttempts} reconnects.`,
          { cause: lastError },
        );
      }
      if (failures > 0 && !(await sleep(delayMs, signal))) return;
      const parser = new SseParser();
      let connection: OpenConnection | undefined;
      try {
        connection = this.opened ?? (await this.connect());
        this.opened = undefined;
        if (connection.response.status === 204) {
          // The cursor is at or past the end of a finished run (API.md §3): nothing more.
          this.finished = true;
          return;
        }
        let progressed = false;
        for await (const message of readSse(assertEventStream(connection.response), parser)) {
          if (message.type === "error") throw readerError(message);
          const event = parseEventMessage(message, this.runId);
          if (this.lastSeq !== undefined && event.seq <= this.lastSeq) continue;
          if (this.lastSeq !== undefined && event.seq !== this.lastSeq + 1) {
            throw new FanoutError(
              "sequence_gap",
              `Run ${this.runId}: expected event ${this.lastSeq + 1} but got ${event.seq}; events were lost.`,
            );
          }
          // A chunk can hold several events: none is handed out after the caller aborted.
          if (signal?.aborted) return;
          this.lastSeq = event.seq;
          this.cursor = message.lastEventId;
          this.finished = event.type === "run.completed";
          failures = 0;
          progressed = true;
          yield event;
          if (this.finished) return;
        }
        if (await this.endedWithNothingMore(progressed)) {
          this.finished = true;
          return;
        }
        throw new FanoutError("network_error", `The event stream of run ${this.runId} ended early.`);
      } catch (error) {
        if (signal?.aborted) return;
        if (!isRetryable(error)) throw error;
        lastError = error;
        failures += 1;
        delayMs = retryDelay(error, parser, failures, reconnect);
      } finally {
        connection?.controller.abort();
        connection?.unlink();
      }
    }
  }

  /** `GET /v1/runs/{id}/events` after the last cursor. */
  private async connect(): Promise<OpenConnection> {
    const controller = new AbortController();
    const unlink = linkAbort(this.init.signal, controller);
    try {
      const response = await this.init.transport.send(`/v1/runs/${encodeURIComponent(this.runId)}/events`, {
        headers: {
          accept: "text/event-stream",
          ...(this.cursor === undefined ? {} : { "last-event-id": this.cursor }),
        },
        signal: controller.signal,
      });
      return { response, controller, unlink };
    } catch (error) {
      unlink();
      throw error;
    }
  }

  /**
   * The service ends a run's stream only after `run.completed` (a reader whose cursor is past
   * the end gets `204 No Content` instead of a stream), so a clean end without it is a cut
   * connection, unless the service predates that 204 and sent an empty stream. The snapshot
   * tells the two apart.
   */
  private async endedWithNothingMore(progressed: boolean): Promise<boolean> {
    try {
      const snapshot = await this.init.transport.json<RunSnapshot>(
        `/v1/runs/${encodeURIComponent(this.runId)}`,
        this.init.signal ? { signal: this.init.signal } : {},
      );
      if (snapshot.status === "running") return false;
      return this.lastSeq === undefined ? !progressed : snapshot.last_seq <= this.lastSeq;
    } catch {
      return false;
    }
  }
}

/**
 * Network failures, 5xx, 429 and `shutting_down` are worth another try; answers about this
 * request (404, 401, 410 `cursor_expired`, 422) and protocol violations are not.
 */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof FanoutError)) return true;
  if (error.code === "network_error" || error.code === "shutting_down") return true;
  return error.status !== undefined && (error.status === 429 || error.status >= 500);
}

function retryDelay(
  error: unknown,
  parser: SseParser,
  failures: number,
  settings: ReconnectSettings,
): number {
  if (error instanceof FanoutError) {
    // Another instance may serve the run: come back when the draining one says.
    if (error.code === "shutting_down") return parser.retryMs ?? settings.initialDelayMs;
    if (error.retryAfterSeconds !== undefined) return error.retryAfterSeconds * 1000;
  }
  return reconnectDelay(failures, settings);
}
