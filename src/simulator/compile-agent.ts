import type { SimAgent } from "./agent-spec.js";
import { buildAgentState, canTokenStream, systemPromptOf } from "./agent-state.js";
import { generateProse } from "./generate-prose.js";
import { tokenize } from "./tokenize.js";

/** The marker replaced by the user's message text. */
export const MESSAGE_MARKER = "{{message}}";

/** A script item prepared once per agent; `tokens` is null when it depends on the message. */
export type CompiledItem =
  | {
      readonly type: "reasoning" | "assistant";
      readonly text: string;
      readonly tokens: readonly string[] | null;
    }
  | {
      readonly type: "tool_call";
      readonly name: string;
      readonly arguments: Readonly<Record<string, unknown>>;
      readonly argumentsJson: string | null;
      readonly argumentTokens: readonly string[] | null;
      readonly result: string;
      readonly status: "success" | "error";
    };

/**
 * An agent ready to serve: its script tokenized and its AgentState serialized once, so a
 * request only pays for what depends on the user's message.
 */
export interface CompiledAgent {
  readonly spec: SimAgent;
  /** Insertion order; Letta lists agents by creation time. */
  readonly order: number;
  /** ISO creation time, kept when the agent is replaced. */
  readonly createdAt: string;
  readonly system: string;
  readonly tokenStreaming: boolean;
  readonly items: readonly CompiledItem[];
  /** AgentState JSON text without tags (what the server returns by default) and with them. */
  readonly stateJson: string;
  readonly stateJsonWithTags: string;
}

function hasMarker(value: unknown): boolean {
  if (typeof value === "string") return value.includes(MESSAGE_MARKER);
  if (Array.isArray(value)) return value.some(hasMarker);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasMarker);
  return false;
}

function compileItems(agent: SimAgent): CompiledItem[] {
  const items: CompiledItem[] = [];
  const script =
    agent.script ?? (agent.generate === undefined ? [{ assistant: `You said: ${MESSAGE_MARKER}` }] : []);
  for (const item of script) {
    if (item.tool_call !== undefined) {
      const call = item.tool_call;
      const dynamic = hasMarker(call.arguments);
      const argumentsJson = dynamic ? null : JSON.stringify(call.arguments);
      items.push({
        type: "tool_call",
        name: call.name,
        arguments: call.arguments,
        argumentsJson,
        argumentTokens: argumentsJson === null ? null : tokenize(argumentsJson),
        result: call.result,
        status: call.status,
      });
    } else {
      const type = item.reasoning !== undefined ? "reasoning" : "assistant";
      const text = item.reasoning ?? item.assistant ?? "";
      if (text === "") continue;
      items.push({ type, text, tokens: text.includes(MESSAGE_MARKER) ? null : tokenize(text) });
    }
  }
  if (agent.generate !== undefined) {
    const text = generateProse(agent.generate.chars, agent.generate.seed);
    items.push({ type: "assistant", text, tokens: tokenize(text) });
  }
  return items;
}

/**
 * Prepares a parsed agent for serving.
 *
 * @param order its position in listings (Letta orders by creation time).
 */
export function compileAgent(agent: SimAgent, order: number, createdAt: string): CompiledAgent {
  return {
    spec: agent,
    order,
    createdAt,
    system: systemPromptOf(agent),
    tokenStreaming: canTokenStream(agent.model),
    items: compileItems(agent),
    stateJson: JSON.stringify(buildAgentState(agent, createdAt, false)),
    stateJsonWithTags: JSON.stringify(buildAgentState(agent, createdAt, true)),
  };
}
