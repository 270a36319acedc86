import type { FanoutEvent } from "../protocol/events.js";
import type { FollowUpRequest, RunRequest } from "../protocol/run-request.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { RunSummary } from "../protocol/run-summary.js";
import type { ReconnectOptions } from "./reconnect-delay.js";

/** `createClient` options. */
export interface ClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:8787` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** The fetch to use (default: the global one), e.g. one with a proxy agent or test hooks. */
  fetch?: typeof fetch;
  /** How dropped event streams reconnect. */
  reconnect?: ReconnectOptions;
}

/** Only a signal: every call can be aborted. */
export interface SignalOption {
  signal?: AbortSignal;
}

/** An async iterable of a run's events that knows where it is. */
export interface RunEvents extends AsyncIterable<FanoutEvent> {
  /** The cursor of the last event yielded (or the `after` it started from). */
  lastCursor(): string | undefined;
}

/** A run started by `runs.create` or `runs.followUp`: its id and its live event stream. */
export interface RunHandle extends RunEvents {
  runId: string;
  /** The same stream as the handle itself, for `for await (const event of handle.events)`. */
  events: RunEvents;
}

export type { RunSummary } from "../protocol/run-summary.js";

/** One agent entry of a panel: by id, or every agent carrying some Letta tags. */
export type PanelAgentInfo =
  | { id: string; label?: string; options?: Record<string, unknown> }
  | { tags: string[]; match_all_tags: boolean; options?: Record<string, unknown> };

/** One panel of `GET /v1/panels` (API.md §2). */
export interface PanelInfo {
  name: string;
  description?: string;
  options?: Record<string, unknown>;
  agents: PanelAgentInfo[];
}

/** The typed client of a letta-fanout service (API.md §1, §2). */
export interface FanoutClient {
  /** The service's base URL, without a trailing slash. */
  readonly baseUrl: string;
  runs: {
    /** `POST /v1/runs` with `Accept: text/event-stream`: starts a run and streams it. */
    create(body: RunRequest, options?: SignalOption): Promise<RunHandle>;
    /**
     * `POST /v1/runs/{id}/follow-ups` with `Accept: text/event-stream`: asks the agents of run
     * `runId` again, in the same conversations, and streams the new run like `create` does. Its
     * `run.started` has `parent_run_id: runId`; `options` layer over the parent run's options.
     *
     * @example
     *   const followUp = await client.runs.followUp(run.runId, { message: "Now compare your answers." });
     *   for await (const event of followUp) if (event.type === "agent.delta") console.log(event.text);
     */
    followUp(runId: string, body: FollowUpRequest, options?: SignalOption): Promise<RunHandle>;
    /** `GET /v1/runs/{id}/events`: a run's events from the start, or after a cursor. */
    events(runId: string, options?: SignalOption & { after?: string | undefined }): RunEvents;
    /** `GET /v1/runs/{id}`: the run's snapshot (status, text so far per agent, metrics). */
    get(runId: string, options?: SignalOption): Promise<RunSnapshot>;
    /** `GET /v1/runs`: recent runs, newest first; pass `next_after` as `after` for the next page. */
    list(
      options?: SignalOption & { limit?: number; after?: string },
    ): Promise<{ runs: RunSummary[]; next_after: string | null }>;
    /** `POST /v1/runs/{id}/cancel`: the whole run, or only `agent_ids`. Idempotent. */
    cancel(
      runId: string,
      options?: SignalOption & { agent_ids?: string[] },
    ): Promise<{ run_id: string; status: string }>;
  };
  panels: {
    /** `GET /v1/panels`. */
    list(options?: SignalOption): Promise<{ panels: PanelInfo[] }>;
    /** `GET /v1/panels/{name}`. */
    get(name: string, options?: SignalOption): Promise<PanelInfo>;
  };
}
