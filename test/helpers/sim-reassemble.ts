/** One Letta message put back together from its stream events. */
export interface ReassembledMessage {
  id: string;
  otid: string;
  message_type: string;
  /** reasoning / content / tool return text, or the tool call's arguments. */
  text: string;
  toolName?: string;
  toolCallId?: string;
  status?: string;
}

type Event = Record<string, unknown>;

function deltaText(event: Event): string {
  switch (event["message_type"]) {
    case "reasoning_message":
      return String(event["reasoning"]);
    case "assistant_message":
      return String(event["content"]);
    case "tool_call_message":
      return (event["tool_call"] as { arguments?: string }).arguments ?? "";
    case "tool_return_message":
      return String(event["tool_return"]);
    default:
      return "";
  }
}

/**
 * Reassembles Letta stream events the way Letta's own tests do (letta-wire §3.10): skip
 * pings and control events, start a new message when the otid changes, join the fragments.
 */
export function reassemble(events: readonly unknown[]): ReassembledMessage[] {
  const messages: ReassembledMessage[] = [];
  for (const raw of events) {
    const event = raw as Event;
    const type = event["message_type"];
    if (typeof type !== "string" || !type.endsWith("_message") || type === "error_message") continue;
    const otid = String(event["otid"]);
    let current = messages.at(-1);
    if (current?.otid !== otid) {
      current = { id: String(event["id"]), otid, message_type: type, text: "" };
      messages.push(current);
    }
    current.text += deltaText(event);
    if (type === "tool_call_message") {
      const call = event["tool_call"] as Event;
      if (typeof call["name"] === "string") current.toolName = call["name"];
      current.toolCallId = String(call["tool_call_id"]);
    }
    if (type === "tool_return_message") {
      current.toolCallId = String(event["tool_call_id"]);
      current.status = String(event["status"]);
    }
  }
  return messages;
}
