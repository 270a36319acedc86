import type { MessageInput } from "../protocol/run-request.js";

/**
 * One piece of agent output, already in the service's vocabulary. An upstream adapter (the
 * Letta SDK one in `upstream/letta/`) turns each upstream message into zero or more of these.
 */
export type AgentOutput =
  | { type: "delta"; message_id: string; kind: "assistant" | "reasoning"; text: string }
  | { type: "tool_call"; message_id: string; tool_call_id: string; name?: string; arguments_delta: string }
  | { type: "tool_result"; tool_call_id: string; status: string; result: string }
  | {
      type: "usage";
      completion_tokens: number;
      prompt_tokens: number;
      total_tokens: number;
      step_count: number;
    }
  | { type: "stop"; stop_reason: string }
  /** Keepalive or bookkeeping: proves the upstream is alive, carries no output. */
  | { type: "ping" };

/** What one upstream message yields: the outputs, plus the cursor facts the retry logic needs. */
export interface UpstreamItem {
  outputs: AgentOutput[];
  /** The upstream message unchanged (for `raw: true`). */
  raw: unknown;
  /** Letta's run id, once known (the initial ping carries it). */
  lettaRunId?: string;
  /** Letta's `seq_id` in background mode: where a resume would start after. */
  seqId?: number;
}

/** Opening a stream: a new message, or a resume of a background run after a cursor. */
export type OpenRequest =
  | {
      mode: "send";
      agentId: string;
      /** `default` (the agent's own conversation) or a `conv-…` id. */
      conversationId: string;
      message: MessageInput;
      /** The message's `otid`: the same on every resend of it (see `messageOtid`). */
      otid: string;
      streamTokens: boolean;
      background: boolean;
    }
  | { mode: "resume"; agentId: string; lettaRunId: string; startingAfter: number };

/**
 * One upstream stream. `takeReady`, where a source has it, returns the next item when it is
 * already read and decoded (what `next()` would resolve with at once), else undefined: the core
 * then handles everything one read of the socket brought in one go, without a promise and an
 * async resumption per item (bench/ scenario A: they were a large part of the cost per event).
 */
export interface UpstreamStream extends AsyncIterator<UpstreamItem> {
  takeReady?(): UpstreamItem | undefined;
}

/**
 * The core's view of Letta. `open` resolves once the upstream accepted the request (response
 * headers arrived with a 2xx); until then a failure means the message was not accepted. The
 * returned iterator is pulled only as fast as the core can pass events on, so not pulling is
 * how backpressure reaches the upstream socket.
 */
export interface AgentSource {
  open(request: OpenRequest, signal: AbortSignal): Promise<UpstreamStream>;
  /** Creates a fresh Letta conversation on the agent (run option `conversation: "new"`); its id. */
  createConversation(agentId: string, signal: AbortSignal): Promise<string>;
  /** Asks Letta to stop an agent's run; never throws (best effort). */
  cancel(agentId: string, lettaRunId: string | undefined): Promise<void>;
}

/** Why an upstream attempt failed, in the terms the retry rules of API.md §4 need. */
export class UpstreamFailure extends Error {
  override readonly name = "UpstreamFailure";

  constructor(
    readonly code:
      | "agent_not_found"
      | "upstream_unavailable"
      | "upstream_rate_limited"
      | "upstream_error"
      | "upstream_disconnected"
      | "conversation_busy",
    message: string,
    readonly facts: {
      /** May this be retried at all (408/429/5xx/connection errors/drops)? */
      retryable: boolean;
      /** Seconds or ms from a Retry-After header, as a delay in ms. */
      retryAfterMs?: number;
      /** HTTP 503 on a background request: the server cannot do background mode. */
      backgroundUnavailable?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
  }
}
