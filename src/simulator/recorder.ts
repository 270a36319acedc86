import type { SimRunStatus } from "./run-store.js";
import { overlappingRuns } from "./run-overlaps.js";

/** What kind of request the simulator saw. */
export type RecordedRequestKind = "message" | "resume" | "cancel" | "retrieve" | "list" | "other";

/** One HTTP request as the simulator received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/agents/agent-…/messages`. */
  readonly path: string;
  /** The query string without `?` ("" when none). */
  readonly query: string;
  readonly kind: RecordedRequestKind;
  /** The agent the request is about (for a resume, the run's agent), or null. */
  readonly agentId: string | null;
  /** Parsed JSON body; the raw text when it is not JSON; null when empty. */
  readonly body: unknown;
  /** Request headers, lower-case names; credentials replaced by `[REDACTED]`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Date.now() when the request arrived. */
  readonly at: number;
  /** The status sent, once the response has started (null if the connection ended first). */
  status: number | null;
}

/** One SSE response the simulator wrote (a send-message stream or a resume). Updated live. */
export interface RecordedStream {
  readonly id: number;
  readonly agentId: string;
  readonly runId: string;
  readonly background: boolean;
  /** `starting_after` of a resume; null for the stream of the original request. */
  readonly resumedFrom: number | null;
  readonly openedAt: number;
  /** SSE events written: pings, messages, stop_reason, usage, [DONE], fault output. */
  eventsWritten: number;
  /** Agent message events written (reasoning, assistant, tool call, tool return). */
  messagesWritten: number;
  /** Still open. */
  open: boolean;
  /** The simulator wrote its last event and ended the response. */
  endedNormally: boolean;
  /** A `drop` fault destroyed the connection. */
  droppedByFault: boolean;
  /** A `stall` fault stopped all output. */
  stalledByFault: boolean;
  /** The client closed the connection before the simulator ended the response. */
  closedByClient: boolean;
  /** How many writes found the socket buffer full and had to wait for 'drain'. */
  blockedWrites: number;
  /** A write is waiting for 'drain' right now. */
  blocked: boolean;
  closedAt: number | null;
}

/** One cancel request and what it did. */
export interface RecordedCancel {
  readonly agentId: string;
  /** `run_ids` from the body, or null when none were given. */
  readonly requestedRunIds: readonly string[] | null;
  /** The response body (`{run_id: "cancelled" | "failed"}`), or null when it was a 409. */
  readonly result: Readonly<Record<string, string>> | null;
  readonly status: number;
  readonly at: number;
}

/** One input message a run took into its conversation. */
export interface RecordedMessage {
  readonly role: string;
  readonly text: string;
  /** The client's otid, or the one Letta generated for a message without one. */
  readonly otid: string;
}

/**
 * One run the simulator processed (a send that started a run: not a 409, not a request attached
 * to an existing run by duplicate-request recovery). Updated live.
 */
export interface RecordedRun {
  readonly runId: string;
  readonly agentId: string;
  /**
   * The Letta conversation the run wrote to: its `conv-…` id, or `"default"` for the agent's
   * default conversation (the plain agent endpoint and agent-direct mode alike).
   */
  readonly conversationId: string;
  /** `agent` = `/v1/agents/{id}/messages` (or `/stream`), `conversation` = `/v1/conversations/{id}/messages`. */
  readonly endpoint: "agent" | "conversation";
  readonly background: boolean;
  /** The otids of its input messages, in order. */
  readonly otids: readonly string[];
  readonly messages: readonly RecordedMessage[];
  /** When processing started: epoch milliseconds with sub-millisecond precision, monotonic. */
  readonly startedAt: number;
  /** When it ended (completed, failed, cancelled), on the same clock; null while it runs. */
  endedAt: number | null;
  status: SimRunStatus;
}

/**
 * What tests read to assert what "Letta" saw: requests, streams, cancels and concurrency.
 * Filters take an optional agent id; without one they cover the whole simulator. At least the
 * last 10,000 of each kind of record are kept.
 *
 * @example
 *   await waitFor(() => sim.record.streams(agentId).every((s) => !s.open), "upstream closed");
 *   expect(sim.record.streams(agentId)[0]?.closedByClient).toBe(true);
 */
export interface SimRecord {
  requests(agentId?: string): readonly RecordedRequest[];
  streams(agentId?: string): readonly Readonly<RecordedStream>[];
  cancels(agentId?: string): readonly RecordedCancel[];
  /** Runs processed (of one agent, or all), in start order. */
  runs(agentId?: string): readonly Readonly<RecordedRun>[];
  /**
   * Pairs of runs of the same agent and conversation whose processing overlapped (the later one
   * started before the earlier one ended), earlier first; empty when every conversation of the
   * agent (or of every agent) was written by one run at a time.
   *
   * @example expect(sim.record.overlaps(agentId)).toEqual([]);
   */
  overlaps(agentId?: string): readonly (readonly [Readonly<RecordedRun>, Readonly<RecordedRun>])[];
  /**
   * The input messages that runs took into a conversation, in run order. `"default"` stands for
   * agents' default conversations: give `agentId` to pick one agent's.
   */
  conversationMessages(conversationId: string, agentId?: string): readonly RecordedMessage[];
  /** SSE streams open now. */
  openStreams(agentId?: string): number;
  /** Most SSE streams open at once since start (or the last reset). */
  maxOpenStreams(agentId?: string): number;
  /** Forgets everything recorded; maxima restart from what is open now. */
  reset(): void;
}

// The recorder keeps at least this many of each record, so a long-running `npm start` stays
// small; older ones are dropped in batches (amortized O(1) per record).
const KEEP = 10_000;

function append<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length >= 2 * KEEP) list.splice(0, list.length - KEEP);
}

const REDACTED_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key"]);

/** A clock in epoch milliseconds that never goes back and tells apart events of one millisecond. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Copies request headers, hiding credentials (the key must never reach a log or a test report). */
export function redactHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (!REDACTED_HEADERS.has(name)) copy[name] = text;
    else
      copy[name] =
        name.endsWith("authorization") && /^\S+\s/.test(text)
          ? `${text.split(/\s/)[0] ?? ""} [REDACTED]`
          : "[REDACTED]";
  }
  return copy;
}

/** The simulator's recorder; the simulator writes, tests read through {@link SimRecord}. */
export class SimRecorder implements SimRecord {
  private requestLog: RecordedRequest[] = [];
  private streamLog: RecordedStream[] = [];
  private cancelLog: RecordedCancel[] = [];
  private runLog: RecordedRun[] = [];
  private nextStreamId = 1;
  private open = 0;
  private maxOpen = 0;
  private readonly openByAgent = new Map<string, number>();
  private readonly maxByAgent = new Map<string, number>();

  requests(agentId?: string): readonly RecordedRequest[] {
    return agentId === undefined
      ? [...this.requestLog]
      : this.requestLog.filter((item) => item.agentId === agentId);
  }

  streams(agentId?: string): readonly Readonly<RecordedStream>[] {
    return agentId === undefined
      ? [...this.streamLog]
      : this.streamLog.filter((item) => item.agentId === agentId);
  }

  cancels(agentId?: string): readonly RecordedCancel[] {
    return agentId === undefined
      ? [...this.cancelLog]
      : this.cancelLog.filter((item) => item.agentId === agentId);
  }

  runs(agentId?: string): readonly Readonly<RecordedRun>[] {
    return agentId === undefined ? [...this.runLog] : this.runLog.filter((item) => item.agentId === agentId);
  }

  overlaps(agentId?: string): readonly (readonly [RecordedRun, RecordedRun])[] {
    return overlappingRuns(this.runs(agentId));
  }

  conversationMessages(conversationId: string, agentId?: string): readonly RecordedMessage[] {
    return this.runs(agentId)
      .filter((run) => run.conversationId === conversationId)
      .flatMap((run) => run.messages);
  }

  openStreams(agentId?: string): number {
    return agentId === undefined ? this.open : (this.openByAgent.get(agentId) ?? 0);
  }

  maxOpenStreams(agentId?: string): number {
    return agentId === undefined ? this.maxOpen : (this.maxByAgent.get(agentId) ?? 0);
  }

  reset(): void {
    this.requestLog = [];
    this.streamLog = [];
    this.cancelLog = [];
    this.runLog = [];
    this.maxOpen = this.open;
    this.maxByAgent.clear();
    for (const [agentId, count] of this.openByAgent) this.maxByAgent.set(agentId, count);
  }

  /** Records a request; the returned object gets its status later. */
  addRequest(request: RecordedRequest): RecordedRequest {
    append(this.requestLog, request);
    return request;
  }

  /** Records a cancel. */
  addCancel(cancel: RecordedCancel): void {
    append(this.cancelLog, cancel);
  }

  /** Records a run that starts processing now and returns its live record. */
  addRun(run: Omit<RecordedRun, "startedAt" | "endedAt" | "status">): RecordedRun {
    const recorded: RecordedRun = { ...run, startedAt: preciseNow(), endedAt: null, status: "running" };
    append(this.runLog, recorded);
    return recorded;
  }

  /** Records how a run ended. */
  endRun(run: RecordedRun, status: SimRunStatus): void {
    run.status = status;
    run.endedAt = preciseNow();
  }

  /** Records a new open stream and returns its live record. */
  openStream(
    agentId: string,
    runId: string,
    background: boolean,
    resumedFrom: number | null,
  ): RecordedStream {
    const stream: RecordedStream = {
      id: this.nextStreamId++,
      agentId,
      runId,
      background,
      resumedFrom,
      openedAt: Date.now(),
      eventsWritten: 0,
      messagesWritten: 0,
      open: true,
      endedNormally: false,
      droppedByFault: false,
      stalledByFault: false,
      closedByClient: false,
      blockedWrites: 0,
      blocked: false,
      closedAt: null,
    };
    append(this.streamLog, stream);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    const forAgent = (this.openByAgent.get(agentId) ?? 0) + 1;
    this.openByAgent.set(agentId, forAgent);
    this.maxByAgent.set(agentId, Math.max(this.maxByAgent.get(agentId) ?? 0, forAgent));
    return stream;
  }

  /** Marks a stream closed. */
  closeStream(stream: RecordedStream): void {
    if (!stream.open) return;
    stream.open = false;
    stream.blocked = false;
    stream.closedAt = Date.now();
    this.open--;
    this.openByAgent.set(stream.agentId, (this.openByAgent.get(stream.agentId) ?? 1) - 1);
  }
}
