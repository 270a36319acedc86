import type { Agent } from "node:http";
import type { DeliveryLedger } from "./delivery-ledger.js";
import { SseSplitter } from "./sse-splitter.js";
import { sseRequest, type SseRequestResult } from "./sse-request.js";

/** What the `direct` client got from one upstream stream. */
export interface LettaStreamResult extends SseRequestResult {
  /** Letta events (every `data:` frame, [DONE] included). */
  frames: number;
  deltas: number;
  firstDeltaAt: number | undefined;
  lastFrameAt: number | undefined;
  sawDone: boolean;
}

/**
 * The `direct` target's reader: asks the upstream itself for one agent's stream (exactly the
 * request the service makes) and parses the Letta messages, recording each assistant delta in
 * the ledger. Several of these running in one process and one ledger are the direct merge.
 */
export async function readLettaStream(options: {
  upstreamUrl: string;
  agentId: string;
  agent: Agent;
  /** Without one (an upstream whose text carries no send times), deltas are only counted. */
  ledger?: DeliveryLedger;
  timeoutMs: number;
}): Promise<LettaStreamResult> {
  const splitter = new SseSplitter();
  let frames = 0;
  let deltas = 0;
  let sawDone = false;
  let firstDeltaAt: number | undefined;
  let lastFrameAt: number | undefined;
  let receivedAt = 0;
  const onFrame = (frame: string) => {
    frames++;
    lastFrameAt = receivedAt;
    if (!frame.startsWith("data: ")) return;
    if (frame === "data: [DONE]") {
      sawDone = true;
      return;
    }
    const message = JSON.parse(frame.slice(6)) as { message_type?: string; content?: unknown };
    if (message.message_type !== "assistant_message" || typeof message.content !== "string") return;
    deltas++;
    firstDeltaAt ??= receivedAt;
    options.ledger?.record(options.agentId, message.content, receivedAt);
  };
  const result = await sseRequest(
    {
      url: `${options.upstreamUrl}/v1/agents/${options.agentId}/messages`,
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ input: "bench", streaming: true, stream_tokens: true, include_pings: true }),
      agent: options.agent,
      timeoutMs: options.timeoutMs,
    },
    (text, at) => {
      receivedAt = at;
      splitter.push(text, onFrame);
    },
  ).done;
  return { ...result, frames, deltas, firstDeltaAt, lastFrameAt, sawDone };
}
