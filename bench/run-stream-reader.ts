import type { Agent } from "node:http";
import type { DeliveryLedger } from "./delivery-ledger.js";
import { SseSplitter } from "./sse-splitter.js";
import { sseRequest, type SseRequestResult } from "./sse-request.js";

/** What one reader of a run stream (API.md §3) got. */
export interface RunStreamResult extends SseRequestResult {
  /** Event frames (those with an `id:`). */
  frames: number;
  deltas: number;
  /** Frames whose `id:` was not the previous one plus 1 (the run's seq must be gapless). */
  seqErrors: number;
  /** Reader-level `event: error` frames. */
  errorFrames: number;
  firstDeltaAt: number | undefined;
  lastFrameAt: number | undefined;
  runStatus: string | undefined;
  agentStatuses: Record<string, string>;
}

/** How to read one run stream. */
export interface RunStreamOptions {
  url: string;
  method: "GET" | "POST";
  body?: string;
  /** Offer this content-encoding (the target decides); none asks for identity. */
  encoding?: "gzip" | "br";
  agent: Agent;
  /** Full reader: parse every delta into the ledger. Without one, only count and check seq. */
  ledger?: DeliveryLedger;
  timeoutMs: number;
  /** Called once, at the first event frame (run.started): the reader is attached. */
  onFirstFrame?: () => void;
}

/**
 * Reads a run's merged stream, from `POST /v1/runs` or `GET /v1/runs/{id}/events`, to its end.
 * Every frame's `id:` is checked for gapless order; a full reader also parses each
 * `agent.delta` and records its text in the ledger (latency, loss, duplicates, order, text).
 */
export function readRunStream(options: RunStreamOptions): {
  done: Promise<RunStreamResult>;
  abort(reason: string): void;
} {
  const splitter = new SseSplitter();
  const state = {
    frames: 0,
    deltas: 0,
    seqErrors: 0,
    errorFrames: 0,
    firstDeltaAt: undefined as number | undefined,
    lastFrameAt: undefined as number | undefined,
    runStatus: undefined as string | undefined,
    agentStatuses: {} as Record<string, string>,
  };
  let lastSeq = 0;
  let receivedAt = 0;
  const { ledger } = options;
  const onFrame = (frame: string) => {
    if (frame.startsWith(":")) return;
    if (!frame.startsWith("id: ")) {
      if (frame.includes("event: error")) state.errorFrames++;
      return;
    }
    const idEnd = frame.indexOf("\n");
    const seq = Number(frame.slice(4, idEnd));
    if (seq !== lastSeq + 1) state.seqErrors++;
    lastSeq = seq;
    if (state.frames++ === 0) options.onFirstFrame?.();
    state.lastFrameAt = receivedAt;
    const typeEnd = frame.indexOf("\n", idEnd + 1);
    const type = frame.slice(idEnd + 8, typeEnd);
    if (type === "agent.delta") {
      state.deltas++;
      state.firstDeltaAt ??= receivedAt;
      if (ledger) {
        const event = JSON.parse(frame.slice(typeEnd + 7)) as { agent_id: string; text: string };
        ledger.record(event.agent_id, event.text, receivedAt);
      }
    } else if (type === "run.completed") {
      const event = JSON.parse(frame.slice(typeEnd + 7)) as {
        status: string;
        agents: Record<string, string>;
      };
      state.runStatus = event.status;
      state.agentStatuses = event.agents;
    }
  };
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.encoding) headers["accept-encoding"] = options.encoding;
  const request = sseRequest(
    {
      url: options.url,
      method: options.method,
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      agent: options.agent,
      timeoutMs: options.timeoutMs,
    },
    (text, at) => {
      receivedAt = at;
      splitter.push(text, onFrame);
    },
  );
  return {
    done: request.done.then((result) => ({ ...result, ...state })),
    abort: (reason) => request.abort(reason),
  };
}
