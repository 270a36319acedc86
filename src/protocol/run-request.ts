import { z } from "zod";
import { AgentEntryOptionsInput } from "./agent-options.js";
import { RunOptionsInput } from "./run-options.js";

/** Letta's agent id format, `agent-<uuid4>` (letta-wire §1.1). */
export const AGENT_ID_PATTERN = /^agent-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const AgentId = z
  .string()
  .regex(
    AGENT_ID_PATTERN,
    "must be a Letta agent id: agent-<uuid4>, e.g. agent-123e4567-e89b-42d3-8456-426614174000",
  );

/** The user message: text, or Letta text content parts. */
export const MessageInput = z.union([
  z.string().trim().min(1, "must not be empty"),
  z
    .array(z.strictObject({ type: z.literal("text"), text: z.string().min(1, "must not be empty") }))
    .min(1, "must hold at least one content part"),
]);
export type MessageInput = z.infer<typeof MessageInput>;

/**
 * The body of `POST /v1/runs` (API.md §1). Cross-field rules that need the config (the panel
 * exists, `agents` keys belong to the run, the agent count limit) are checked when the run is
 * planned, with the same error shape.
 */
export const RunRequest = z
  .strictObject({
    message: MessageInput,
    agent_ids: z
      .array(AgentId)
      .min(1, "must name at least one agent")
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat an agent")
      .optional(),
    panel: z.string().min(1).optional(),
    options: RunOptionsInput.optional(),
    agents: z.record(AgentId, AgentEntryOptionsInput).optional(),
  })
  .check((ctx) => {
    const { agent_ids, panel } = ctx.value;
    if ((agent_ids === undefined) === (panel === undefined)) {
      ctx.issues.push({
        code: "custom",
        path: agent_ids === undefined ? ["agent_ids"] : ["panel"],
        message: "give exactly one of agent_ids or panel",
        input: ctx.value,
      });
    }
  });
export type RunRequest = z.infer<typeof RunRequest>;

/** `POST /v1/panels/{name}/runs`: the same body without `agent_ids`/`panel`. */
export const PanelRunRequest = z.strictObject({
  message: MessageInput,
  options: RunOptionsInput.optional(),
  agents: z.record(AgentId, AgentEntryOptionsInput).optional(),
});
export type PanelRunRequest = z.infer<typeof PanelRunRequest>;

/**
 * `POST /v1/runs/{id}/follow-ups` (API.md §2): a new message to the same agents in the same
 * conversations as that run; `options` layer over the parent run's effective options.
 */
export const FollowUpRequest = z.strictObject({
  message: MessageInput,
  options: RunOptionsInput.omit({ conversation: true }).optional(),
});
export type FollowUpRequest = z.infer<typeof FollowUpRequest>;

/** `POST /v1/runs/{id}/cancel` body. */
export const CancelRequest = z.strictObject({ agent_ids: z.array(AgentId).min(1).optional() });
export type CancelRequest = z.infer<typeof CancelRequest>;

/** Flattens a message to plain text (for logs and snapshots). */
export function messageText(message: MessageInput): string {
  return typeof message === "string" ? message : message.map((part) => part.text).join("\n");
}
