import { z } from "zod";
import { AgentEntryOptionsInput, AgentOptionsInput } from "../protocol/agent-options.js";
import { RunOptionsInput } from "../protocol/run-options.js";
import { AgentId } from "../protocol/run-request.js";

/** Panel names: they appear in URLs (`/v1/panels/{name}/runs`), so lowercase and URL-safe. */
export const PANEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A panel name as a record key, with a message that says what a valid name looks like. */
export const PanelName = z
  .string()
  .regex(PANEL_NAME_PATTERN, "must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit")
  .describe("Panel name, used in URLs: lowercase letters, digits, _ and -.");

/** One agent of a panel, named by its Letta id. */
export const PanelAgentById = z
  .strictObject({
    id: AgentId.describe("The Letta agent id, agent-<uuid4>."),
    label: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Display name in run.started, the dashboard and the CLI."),
    options: AgentEntryOptionsInput.optional().describe(
      "AgentOptions for this agent, over the panel's and config's defaults, and its conversation.",
    ),
  })
  .describe("An agent named by its Letta id.");
export type PanelAgentById = z.infer<typeof PanelAgentById>;

/** Agents chosen by Letta tags when a run starts, so the panel follows the agents as they change. */
export const PanelAgentsByTags = z
  .strictObject({
    tags: z.array(z.string().min(1)).min(1).describe("Letta agent tags; agents carrying them join the run."),
    match_all_tags: z
      .boolean()
      .default(false)
      .describe("true: an agent must carry every tag; false: any one of them is enough."),
    options: AgentOptionsInput.optional().describe("AgentOptions for every agent this entry selects."),
  })
  .describe("The agents that carry the given Letta tags when a run starts.");
export type PanelAgentsByTags = z.infer<typeof PanelAgentsByTags>;

/**
 * Either form. When an entry fails, `configDetails` reports the issues of the form its keys
 * point to (`id` → index 0, `tags` → index 1: keep this order); the union message below is for
 * an entry that is neither or both.
 */
export const PanelAgent = z.union([PanelAgentById, PanelAgentsByTags], {
  error: "must be either { id, label?, options? } or { tags, match_all_tags?, options? }",
});
export type PanelAgent = z.infer<typeof PanelAgent>;

/** A named set of agents with its own run options (API.md §6). */
export const Panel = z
  .strictObject({
    description: z.string().max(1000).optional().describe("Shown by GET /v1/panels and the dashboard."),
    options: RunOptionsInput.optional().describe(
      "RunOptions for runs of this panel, over the config's defaults.",
    ),
    agents: z
      .array(PanelAgent)
      .min(1, "must list at least one agent")
      .check((ctx) => {
        // A repeated id would open two streams for one agent and collide on agent_id in events.
        const seen = new Set<string>();
        ctx.value.forEach((agent, index) => {
          if (!("id" in agent)) return;
          if (seen.has(agent.id)) {
            ctx.issues.push({
              code: "custom",
              path: [index, "id"],
              message: "repeats an agent already in this panel",
              input: agent.id,
            });
          }
          seen.add(agent.id);
        });
      })
      .describe("The panel's agents: by id, or by Letta tags."),
  })
  .describe("A named set of agents that a run can target with `panel`.");
export type Panel = z.infer<typeof Panel>;
