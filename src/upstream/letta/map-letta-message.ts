import type { AgentOutput, UpstreamItem } from "../../core/agent-source.js";

type LettaMessage = Record<string, unknown>;

/**
 * Per-stream memory the mapping needs: in token mode, OpenAI-style tool-call deltas name the
 * call only in their first piece (letta-wire §3.10), so later pieces are matched by otid.
 */
export interface MappingState {
  toolCallIdByMessage: Map<string, string>;
}

export const newMappingState = (): MappingState => ({ toolCallIdByMessage: new Map() });

/**
 * Turns one message of Letta's stream (letta-wire §3) into the core's outputs. `message_id` is
 * the message's `otid`, or its `id` plus its type where it has none (API.md §3), so that text
 * reassembles across a resume.
 */
export function mapLettaMessage(message: LettaMessage, state: MappingState): UpstreamItem {
  const item: UpstreamItem = { outputs: toOutputs(message, state), raw: message };
  if (typeof message.run_id === "string") item.lettaRunId = message.run_id;
  if (typeof message.seq_id === "number") item.seqId = message.seq_id;
  return item;
}

function toOutputs(message: LettaMessage, state: MappingState): AgentOutput[] {
  switch (message.message_type) {
    case "assistant_message": {
      const text = contentText(message.content);
      return text ? [{ type: "delta", message_id: messageId(message), kind: "assistant", text }] : [];
    }
    case "reasoning_message": {
      const text = typeof message.reasoning === "string" ? message.reasoning : "";
      return text ? [{ type: "delta", message_id: messageId(message), kind: "reasoning", text }] : [];
    }
    case "tool_call_message":
    case "approval_request_message":
      return toolCalls(message, state);
    case "tool_return_message":
      return toolReturns(message);
    case "stop_reason":
      return [{ type: "stop", stop_reason: String(message.stop_reason) }];
    case "usage_statistics":
      return [
        {
          type: "usage",
          completion_tokens: int(message.completion_tokens),
          prompt_tokens: int(message.prompt_tokens),
          total_tokens: int(message.total_tokens),
          step_count: int(message.step_count),
        },
      ];
    default:
      // ping, hidden reasoning, compaction and anything newer: alive, but no output.
      return [{ type: "ping" }];
  }
}

function messageId(message: LettaMessage): string {
  if (typeof message.otid === "string") return message.otid;
  return `${String(message.id)}:${String(message.message_type)}`;
}

function toolCalls(message: LettaMessage, state: MappingState): AgentOutput[] {
  const id = messageId(message);
  // Step mode: `tool_calls` is an array of whole calls. Token mode: one delta object in both fields.
  const calls = Array.isArray(message.tool_calls)
    ? message.tool_calls
    : [message.tool_call ?? message.tool_calls];
  const outputs: AgentOutput[] = [];
  for (const call of calls) {
    if (typeof call !== "object" || call === null) continue;
    const { tool_call_id, name, arguments: args } = call as Record<string, unknown>;
    const key = calls.length > 1 ? `${id}:${String(tool_call_id)}` : id;
    const callId = typeof tool_call_id === "string" ? tool_call_id : state.toolCallIdByMessage.get(key);
    if (callId === undefined) continue;
    state.toolCallIdByMessage.set(key, callId);
    outputs.push({
      type: "tool_call",
      message_id: calls.length > 1 ? key : id,
      tool_call_id: callId,
      ...(typeof name === "string" ? { name } : {}),
      arguments_delta: typeof args === "string" ? args : "",
    });
  }
  return outputs;
}

function toolReturns(message: LettaMessage): AgentOutput[] {
  if (Array.isArray(message.tool_returns) && message.tool_returns.length > 0) {
    return message.tool_returns.map((entry: Record<string, unknown>) => ({
      type: "tool_result" as const,
      tool_call_id: String(entry.tool_call_id),
      status: String(entry.status),
      result: contentText(entry.tool_return),
    }));
  }
  return [
    {
      type: "tool_result",
      tool_call_id: String(message.tool_call_id),
      status: String(message.status),
      result: contentText(message.tool_return),
    },
  ];
}

/** Letta content is a string or an array of parts; only text parts carry text. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content as unknown[]) {
    if (typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string") {
      text += (part as { text: string }).text;
    }
  }
  return text;
}

function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}
