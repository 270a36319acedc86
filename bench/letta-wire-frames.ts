import { randomUUID } from "node:crypto";

/**
 * Pre-encoded pieces of one Letta token stream (letta-wire.md §2–§3): compact JSON in pydantic's
 * key order with `null` fields included, `data: <json>\n\n` per event, LF only. An assistant
 * delta is `deltaPrefix + JSON string of the text + "}\n\n"`; only `date` changes between events.
 */
export interface LettaStreamFrames {
  runId: string;
  ping: string;
  deltaPrefix(date: string): string;
  end(completionTokens: number): string;
}

/** Letta's `date`: ISO-8601, seconds only, `+00:00` (letta-wire §3.1). */
export function lettaDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** The frames of one new stream, with fresh run, message, step and otid ids. */
export function lettaStreamFrames(): LettaStreamFrames {
  const runId = `run-${randomUUID()}`;
  const messageId = `message-${randomUUID()}`;
  const stepId = `step-${randomUUID()}`;
  // The server's otid is the message uuid with its low 7 bits set to the part index (§3.1).
  const otid = `${messageId.slice(8, -2)}00`;
  const now = lettaDate(Date.now());
  const ping =
    `data: {"id":"ping-${randomUUID()}","date":"${now}","name":null,"message_type":"ping","otid":null,` +
    `"sender_id":null,"step_id":null,"is_err":null,"seq_id":null,"run_id":"${runId}"}\n\n`;
  const head = `data: {"id":"${messageId}","date":"`;
  const tail =
    `","name":null,"message_type":"assistant_message","otid":"${otid}","sender_id":null,` +
    `"step_id":"${stepId}","is_err":null,"seq_id":null,"run_id":"${runId}","content":`;
  return {
    runId,
    ping,
    deltaPrefix: (date) => head + date + tail,
    end: (completionTokens) =>
      `data: {"message_type":"stop_reason","stop_reason":"end_turn"}\n\n` +
      `data: {"message_type":"usage_statistics","completion_tokens":${completionTokens},"prompt_tokens":1000,` +
      `"total_tokens":${completionTokens + 1000},"step_count":1,"run_ids":null,"cached_input_tokens":null,` +
      `"cache_write_tokens":null,"reasoning_tokens":null,"context_tokens":${completionTokens + 1000}}\n\n` +
      `data: [DONE]\n\n`,
  };
}
