import type { FanoutConfigInput } from "../../src/config/index.js";
import type { SimAgentSpec } from "../../src/simulator/index.js";
import { agentId } from "../helpers/agents.js";

/** Fast enough for tests, slow enough that text visibly streams in pieces. */
const SPEED = { ttft_ms: 30, tokens_per_second: 600, chunk_tokens: 2 };

export const ANALYST = agentId(1);
export const POET = agentId(2);
export const RESEARCHER = agentId(3);
export const MISSING = agentId(4);
/** An id no simulator agent has: Letta answers 404. */
export const UNKNOWN = agentId(0xdead);

export const ANALYST_ANSWER =
  'Here is how I see "{{message}}":\n\n1. What we know: enough to reason about.\n2. What we assume: ' +
  "the usual constraints.\n3. Recommendation: take the smallest step that teaches you something.";
export const POET_ANSWER = '"{{message}}", you ask.\nAn old pond, a question dropped;\nthe ripples answer.';

/**
 * The dashboard's demo cast, like config/simulator.yaml's but fast: one reasons, one writes
 * verse, one calls a tool, and one does not exist upstream (every send is a 404).
 */
export function dashboardAgents(): SimAgentSpec[] {
  return [
    {
      id: ANALYST,
      name: "Ada the Analyst",
      tags: ["demo"],
      script: [
        { reasoning: 'The question is "{{message}}". Separate the known from the assumed first.' },
        { assistant: ANALYST_ANSWER },
      ],
      speed: SPEED,
    },
    { id: POET, name: "Basho the Poet", tags: ["demo"], script: [{ assistant: POET_ANSWER }], speed: SPEED },
    {
      id: RESEARCHER,
      name: "Rosalind the Researcher",
      tags: ["demo"],
      script: [
        { reasoning: "I should search before answering." },
        {
          tool_call: {
            name: "web_search",
            arguments: { query: "{{message}}", max_results: 3 },
            result: '[1] "Streaming in practice": token streams cut perceived latency.',
          },
        },
        {
          assistant: 'The best source I found says streaming "{{message}}" shows progress early. <b>[1]</b>',
        },
      ],
      speed: SPEED,
    },
    {
      id: MISSING,
      name: "Murphy the Missing",
      tags: ["demo"],
      script: [{ assistant: "You will never read this." }],
      faults: [{ kind: "status", status: 404, times: "always" }],
    },
  ];
}

/** Panels by tag (`demo`) and by id (`duo`), as in config/fanout.yaml. */
export const DASHBOARD_PANELS = {
  demo: { description: "Every test agent, chosen by the demo tag", agents: [{ tags: ["demo"] }] },
  duo: {
    description: "Two agents, named by id",
    agents: [
      { id: ANALYST, label: "Analyst" },
      { id: POET, label: "Poet" },
    ],
  },
} satisfies FanoutConfigInput["panels"];

/** `message` as the simulator answers it: `{{message}}` filled in literally. */
export function filled(template: string, message: string): string {
  return template.split("{{message}}").join(message);
}
