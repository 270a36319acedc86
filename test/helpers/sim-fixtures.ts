import type { SimAgentSpec } from "../../src/simulator/index.js";
import { simAgentId } from "./sim-agent-id.js";

/** A tool-using agent whose every message is known, as fast as possible. */
export function researcherSpec(overrides: Partial<SimAgentSpec> = {}): SimAgentSpec {
  return {
    id: simAgentId(),
    name: "researcher",
    tags: ["test", "research"],
    script: [
      { reasoning: "The user asked about {{message}}. Let me search first." },
      {
        tool_call: {
          name: "web_search",
          arguments: { query: "{{message}}", limit: 3 },
          result: "Top hit: streams are fun.",
        },
      },
      { reasoning: "The search found one relevant page." },
      { assistant: "About {{message}}: streams are fun, according to the top hit." },
    ],
    ...overrides,
  };
}

/** What {@link researcherSpec} answers to the message "hi", message by message. */
export const RESEARCHER_HI = [
  { message_type: "reasoning_message", text: "The user asked about hi. Let me search first." },
  { message_type: "tool_call_message", text: '{"query":"hi","limit":3}', toolName: "web_search" },
  { message_type: "tool_return_message", text: "Top hit: streams are fun.", status: "success" },
  { message_type: "reasoning_message", text: "The search found one relevant page." },
  { message_type: "assistant_message", text: "About hi: streams are fun, according to the top hit." },
] as const;
