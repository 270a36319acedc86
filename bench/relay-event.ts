/** A JSON object as the raw relay handles it: parsed Letta messages and the events it makes. */
export type Fields = Record<string, unknown>;

/**
 * The service event (API.md §3 shape, `seq` and `ts` filled in at append) that the raw relay makes
 * of one Letta message: `agent.delta` for assistant and reasoning text, `agent.usage` for usage
 * statistics; undefined for every other message (the relay handles pings and stop reasons itself).
 */
export function relayEvent(message: Fields, runId: string, agentId: string): Fields | undefined {
  switch (message.message_type) {
    case "assistant_message":
    case "reasoning_message":
      return {
        type: "agent.delta",
        run_id: runId,
        seq: 0,
        ts: 0,
        agent_id: agentId,
        message_id: message.otid,
        kind: message.message_type === "assistant_message" ? "assistant" : "reasoning",
        text: message.message_type === "assistant_message" ? message.content : message.reasoning,
      };
    case "usage_statistics":
      return {
        type: "agent.usage",
        run_id: runId,
        seq: 0,
        ts: 0,
        agent_id: agentId,
        completion_tokens: message.completion_tokens,
        prompt_tokens: message.prompt_tokens,
        total_tokens: message.total_tokens,
        step_count: message.step_count,
      };
    default:
      return undefined;
  }
}
