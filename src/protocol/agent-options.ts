import { z } from "zod";

/** The kinds of agent output that can become events (API.md §1 `include`). */
export const OUTPUT_KINDS = ["assistant", "reasoning", "tool", "usage"] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** Built-in per-agent defaults (API.md §1). Config defaults, panels and requests layer over these. */
export const DEFAULT_AGENT_OPTIONS = {
  stream_tokens: true,
  include: [...OUTPUT_KINDS] as OutputKind[],
  retry: {
    max_attempts: 3,
    initial_delay_ms: 250,
    max_delay_ms: 8000,
    multiplier: 2,
    resend_after_accept: false,
  },
  background: "auto" as BackgroundMode,
  idle_timeout_ms: 45_000,
  timeout_ms: null as number | null,
  backpressure: { max_buffered_events: 1024, on_overflow: "pause" as OverflowPolicy },
  coalesce: { max_chars: 0, max_delay_ms: 0 },
  rate_limit: { chars_per_second: null as number | null },
  raw: false,
};

export type BackgroundMode = "auto" | boolean;
export type OverflowPolicy = "pause" | "coalesce" | "fail";

const ms = (max: number) => z.int().min(0).max(max);
const DAY_MS = 86_400_000;

/**
 * AgentOptions as a user writes them: every field optional, unknown fields rejected. Layers of
 * these are merged (config < panel < run `agent_defaults` < `agents[id]`) by `resolveAgentOptions`.
 */
export const AgentOptionsInput = z.strictObject({
  stream_tokens: z
    .boolean()
    .optional()
    .describe("Token streaming (deltas) or step streaming (whole messages)."),
  include: z
    .array(z.enum(OUTPUT_KINDS))
    .refine((kinds) => new Set(kinds).size === kinds.length, "must not repeat a kind")
    .optional()
    .describe("Which kinds of agent output become events."),
  retry: z
    .strictObject({
      max_attempts: z.int().min(1).max(100).optional(),
      initial_delay_ms: ms(DAY_MS).optional(),
      max_delay_ms: ms(DAY_MS).optional(),
      multiplier: z.number().min(1).max(100).optional(),
      resend_after_accept: z.boolean().optional(),
    })
    .optional(),
  background: z
    .union([z.literal("auto"), z.boolean()])
    .optional()
    .describe('Letta background mode: true, false, or "auto" (fall back to foreground on HTTP 503).'),
  idle_timeout_ms: z.int().min(1).max(DAY_MS).optional(),
  timeout_ms: z
    .int()
    .min(1)
    .max(DAY_MS)
    .nullable()
    .optional()
    .describe("This agent's own deadline; null = the run's."),
  backpressure: z
    .strictObject({
      max_buffered_events: z.int().min(1).max(1_000_000).optional(),
      on_overflow: z.enum(["pause", "coalesce", "fail"]).optional(),
    })
    .optional(),
  coalesce: z
    .strictObject({
      max_chars: z.int().min(0).max(1_000_000).optional(),
      max_delay_ms: ms(60_000).optional(),
    })
    .optional(),
  rate_limit: z
    .strictObject({ chars_per_second: z.number().positive().max(1_000_000).nullable().optional() })
    .optional(),
  raw: z.boolean().optional().describe("Also emit each upstream Letta message unchanged as agent.letta."),
});
export type AgentOptionsInput = z.infer<typeof AgentOptionsInput>;

/** Letta's conversation id format, `conv-<uuid4>` (letta-wire §1.6). */
export const CONVERSATION_ID_PATTERN =
  /^conv-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One agent's conversation: the run's choice for it, or a Letta conversation of that agent. */
export const AgentConversation = z.union([
  z.enum(["agent", "new"]),
  z
    .string()
    .regex(
      CONVERSATION_ID_PATTERN,
      'must be "agent", "new" or a Letta conversation id: conv-<uuid4>, e.g. conv-123e4567-e89b-42d3-8456-426614174000',
    ),
]);

/**
 * Options for one named agent (`agents[id]` of a request, an agent of a panel): AgentOptions plus
 * the conversation it answers in, which only makes sense per agent.
 */
export const AgentEntryOptionsInput = AgentOptionsInput.extend({
  conversation: AgentConversation.optional().describe(
    'This agent\'s Letta conversation: "agent", "new", or one of its conversations (conv-<uuid4>); over the run\'s `conversation`.',
  ),
});
export type AgentEntryOptionsInput = z.infer<typeof AgentEntryOptionsInput>;

/** AgentOptions with every field resolved. */
export type AgentOptions = typeof DEFAULT_AGENT_OPTIONS;

/**
 * Merges option layers over the built-in defaults, later layers winning, nested objects merged
 * field by field. `undefined` fields leave the lower layer in place.
 *
 * @example resolveAgentOptions(configDefaults, request.options?.agent_defaults, request.agents?.[id])
 */
export function resolveAgentOptions(...layers: (AgentOptionsInput | undefined)[]): AgentOptions {
  const out = structuredClone(DEFAULT_AGENT_OPTIONS);
  for (const layer of layers) {
    if (!layer) continue;
    assignDefined(out, layer);
  }
  return out;
}

/** Copies defined fields of `from` into `into`, recursing into plain objects (not arrays). */
export function assignDefined(into: object, from: object): void {
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) {
    if (value === undefined) continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) assignDefined(current, value);
    else target[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
