import { z } from "zod";
import { AgentOptionsInput, assignDefined } from "./agent-options.js";

/** Built-in run defaults (API.md §1). */
export const DEFAULT_RUN_OPTIONS = {
  max_concurrency: 16,
  deadline_ms: 300_000,
  complete_when: "all" as CompleteWhen,
  on_disconnect: "cancel" as "cancel" | "continue",
  conversation: "agent" as RunConversation,
};

/**
 * Which Letta conversation the agents of a run answer in (API.md §1): `"agent"`, each agent's
 * default conversation; `"new"`, a fresh conversation per agent, created for this run.
 */
export type RunConversation = "agent" | "new";

export type CompleteWhen = "all" | { first: number };

/** RunOptions as a user writes them; `agent_defaults` is an AgentOptions layer. */
export const RunOptionsInput = z.strictObject({
  max_concurrency: z.int().min(1).max(10_000).optional(),
  deadline_ms: z.int().min(1).max(86_400_000).optional(),
  complete_when: z.union([z.literal("all"), z.strictObject({ first: z.int().min(1) })]).optional(),
  on_disconnect: z.enum(["cancel", "continue"]).optional(),
  conversation: z
    .enum(["agent", "new"], {
      error:
        'must be "agent" or "new"; a conv-… id belongs to one agent: give it as agents.<agent_id>.conversation',
    })
    .optional()
    .describe(
      'Which Letta conversation each agent answers in: "agent" (its default one) or "new" (a fresh one per agent for this run).',
    ),
  agent_defaults: AgentOptionsInput.optional(),
});
export type RunOptionsInput = z.infer<typeof RunOptionsInput>;

/** Run options with every field resolved (agent options are resolved per agent, separately). */
export type RunOptions = typeof DEFAULT_RUN_OPTIONS;

/** Merges run option layers over the built-in defaults; later layers win. */
export function resolveRunOptions(...layers: (RunOptionsInput | undefined)[]): RunOptions {
  const out = structuredClone(DEFAULT_RUN_OPTIONS);
  for (const layer of layers) {
    if (!layer) continue;
    const { agent_defaults: _ignored, ...rest } = layer;
    assignDefined(out, rest);
  }
  return out;
}
