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
