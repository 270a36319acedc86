import {
  DATE_HOLE,
  SEQ_HOLE,
  VALUE_HOLE,
  compileEventTemplate,
  renderEvent,
  type EventTemplate,
} from "./event-template.js";
import { lettaDate } from "./letta-date.js";
import { newPingId } from "./letta-ids.js";

/** Stop reasons the simulator produces (letta-wire §2.6). */
export type SimStopReason =
  | "end_turn"
  | "max_steps"
  | "cancelled"
  | "llm_api_error"
  | "error"
  | "invalid_llm_response"
  | "context_window_overflow_in_system_prompt";

/** The stream terminator (letta-wire §2.2). */
export const DONE_CHUNK = "data: [DONE]\n\n";

/**
 * What the cancellation-aware wrapper sends when it sees a cancelled run: Python `json.dumps`,
 * so WITH spaces (letta-wire §1.4).
 */
export const CANCELLED_STOP_CHUNK = 'data: {"message_type": "stop_reason", "stop_reason": "cancelled"}\n\n';

/**
 * The event `StreamingResponseWithStatusCode` ends a cancelled stream with (letta-wire §1.4; the
 * SDK drops it silently).
 */
export const CANCELLED_EVENT_CHUNK = 'event: cancelled\ndata: {"message": "Run was cancelled"}\n\n';

/** The fields every LettaMessage starts with, in Letta's key order (letta-wire §3.1). */
export interface MessageHeader {
  readonly id: string;
  readonly messageType:
    "reasoning_message" | "assistant_message" | "tool_call_message" | "tool_return_message";
  readonly otid: string;
  readonly stepId: string;
  readonly runId: string;
}

/**
 * Compiles a LettaMessage event template: the common fields of §3.1 followed by `specific`, whose
 * values may contain {@link VALUE_HOLE}.
 */
export function messageTemplate(header: MessageHeader, specific: Record<string, unknown>): EventTemplate {
  return compileEventTemplate({
    id: header.id,
    date: DATE_HOLE,
    name: null,
    message_type: header.messageType,
    otid: header.otid,
    sender_id: null,
    step_id: header.stepId,
    is_err: null,
    seq_id: SEQ_HOLE,
    run_id: header.runId,
    ...specific,
  });
}

/** Compiles the `LettaPing` template of a run; the ping id is the value hole (letta-wire §2.3). */
export function pingTemplate(runId: string): EventTemplate {
  return compileEventTemplate({
    id: VALUE_HOLE,
    date: DATE_HOLE,
    name: null,
    message_type: "ping",
    otid: null,
    sender_id: null,
    step_id: null,
    is_err: null,
    seq_id: SEQ_HOLE,
    run_id: runId,
  });
}

/** Renders a ping with a fresh id and date. */
export function renderPing(template: EventTemplate, seq: number | null): string {
  return renderEvent(template, lettaDate(), seq, `"${newPingId()}"`);
}

const STOP_CHUNKS = new Map<string, string>();

/** `data: {"message_type":"stop_reason","stop_reason":…}` (letta-wire §3.8), cached per reason. */
export function stopReasonChunk(reason: SimStopReason): string {
  let chunk = STOP_CHUNKS.get(reason);
  if (chunk === undefined) {
    chunk = `data: ${JSON.stringify({ message_type: "stop_reason", stop_reason: reason })}\n\n`;
    STOP_CHUNKS.set(reason, chunk);
  }
  return chunk;
}

/** Token counts of a request (letta-wire §3.8: totals for the whole request). */
export interface SimUsage {
  readonly completionTokens: number;
  readonly promptTokens: number;
  readonly stepCount: number;
}

/** The `LettaUsageStatistics` object in Letta's key order. */
export function usageObject(usage: SimUsage): Record<string, unknown> {
  const total = usage.completionTokens + usage.promptTokens;
  return {
    message_type: "usage_statistics",
    completion_tokens: usage.completionTokens,
    prompt_tokens: usage.promptTokens,
    total_tokens: total,
    step_count: usage.stepCount,
    run_ids: null,
    cached_input_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    context_tokens: total,
  };
}

/** The `usage_statistics` event. */
export function usageChunk(usage: SimUsage): string {
  return `data: ${JSON.stringify(usageObject(usage))}\n\n`;
}

/** Fields of a mid-stream `error_message` (letta-wire §2.5 shape 1, §3.8). */
export interface SimStreamError {
  readonly errorType: string;
  readonly message: string;
  readonly detail: string;
}

/** The `event: error` frame of a mid-stream error (letta-wire §2.5 shape 1). */
export function errorChunk(runId: string, error: SimStreamError, seq: number | null): string {
  const json = JSON.stringify({
    message_type: "error_message",
    run_id: runId,
    error_type: error.errorType,
    message: error.message,
    detail: error.detail,
    seq_id: seq,
  });
  return `event: error\ndata: ${json}\n\n`;
}

/**
 * A syntactically valid event of exactly `bytes` bytes on the wire (or the smallest possible, if
 * `bytes` is smaller): a `LettaPing` whose `name` is padded, so a client that copes with big
 * events sees a harmless ping.
 */
export function oversizedChunk(runId: string, bytes: number, seq: number | null): string {
  const ping = (name: string): string =>
    `data: ${JSON.stringify({
      id: newPingId(),
      date: lettaDate(),
      name,
      message_type: "ping",
      otid: null,
      sender_id: null,
      step_id: null,
      is_err: null,
      seq_id: seq,
      run_id: runId,
    })}\n\n`;
  const base = Buffer.byteLength(ping(""));
  return ping("x".repeat(Math.max(0, bytes - base)));
}
