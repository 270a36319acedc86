import { z } from "zod";
import { AGENT_ID_PATTERN } from "./letta-ids.js";
import { simFaultSchema } from "./fault-spec.js";

/**
 * `model_endpoint_type` values Letta's spec allows (`LLMConfig`); the provider part of a model
 * handle (`openai/gpt-4o-mini`) must be one of them.
 */
export const MODEL_PROVIDERS = [
  "openai",
  "anthropic",
  "google_ai",
  "google_vertex",
  "azure",
  "groq",
  "ollama",
  "webui",
  "webui-legacy",
  "lmstudio",
  "lmstudio-legacy",
  "lmstudio-chatcompletions",
  "llamacpp",
  "koboldcpp",
  "vllm",
  "hugging-face",
  "minimax",
  "mistral",
  "together",
  "bedrock",
  "deepseek",
  "xai",
  "zai",
  "zai_coding",
  "baseten",
  "fireworks",
  "openrouter",
  "chatgpt_oauth",
] as const;

const toolCallSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a function name (letters, digits, underscores)"),
  arguments: z.record(z.string(), z.unknown()).default({}),
  result: z.string().describe("The tool's return value, sent as the tool_return_message."),
  status: z.enum(["success", "error"]).default("success"),
});

/**
 * One item of an agent's script: exactly one of `reasoning`, `assistant` or `tool_call`.
 * `{{message}}` in a reasoning or assistant text (or in a string tool argument) is replaced by
 * the user's message.
 */
export const scriptItemSchema = z
  .strictObject({
    reasoning: z.string().optional(),
    assistant: z.string().optional(),
    tool_call: toolCallSchema.optional(),
  })
  .refine(
    (item) =>
      Number(item.reasoning !== undefined) +
        Number(item.assistant !== undefined) +
        Number(item.tool_call !== undefined) ===
      1,
    { message: "each script item needs exactly one of `reasoning`, `assistant` or `tool_call`" },
  );

/** How fast the simulated model writes. All zero (the default) means "as fast as possible". */
export const speedSchema = z.strictObject({
  ttft_ms: z.int().min(0).default(0).describe("Time to first token of every LLM step, in ms."),
  tokens_per_second: z.number().min(0).default(0).describe("0 = as fast as possible."),
  chunk_tokens: z.int().min(1).default(1).describe("Tokens per delta event in token-streaming mode."),
});

/**
 * A simulated Letta agent as data. Loaded from YAML (`config/simulator.yaml`) or passed to
 * `startSimulator({ agents })` / `sim.agents.upsert(spec)`.
 *
 * @example
 *   { id: "agent-0b9f…", name: "poet", tags: ["demo"], script: [{ assistant: "You said {{message}}" }],
 *     speed: { ttft_ms: 400, tokens_per_second: 20 } }
 */
export const simAgentSpecSchema = z.strictObject({
  id: z.string().regex(AGENT_ID_PATTERN, "must be agent-<uuid4> (lowercase hex, version-4 UUID)"),
  name: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string().min(1)).default([]),
  model: z
    .string()
    .default("openai/gpt-4o-mini")
    .refine(
      (model) => {
        const slash = model.indexOf("/");
        const provider = model.slice(0, slash);
        return (
          slash > 0 && slash < model.length - 1 && (MODEL_PROVIDERS as readonly string[]).includes(provider)
        );
      },
      { message: `must be <provider>/<model>, provider one of: ${MODEL_PROVIDERS.join(", ")}` },
    ),
  system: z.string().optional(),
  script: z.array(scriptItemSchema).optional(),
  generate: z
    .strictObject({
      chars: z.int().min(1).describe("Exact length of the generated answer."),
      seed: z.int().default(1),
    })
    .optional()
    .describe("Deterministic generated prose, sent as an assistant message after the script."),
  speed: speedSchema.default({ ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1 }),
  faults: z.array(simFaultSchema).default([]),
});

/** A simulated agent as written by a user (optional fields may be left out). */
export type SimAgentSpec = z.input<typeof simAgentSpecSchema>;

/** A simulated agent after parsing, with every default filled in. */
export type SimAgent = z.output<typeof simAgentSpecSchema>;

/** One parsed script item. */
export type SimScriptItem = z.output<typeof scriptItemSchema>;

/** Parsed speed settings. */
export type SimSpeed = z.output<typeof speedSchema>;

/**
 * The agents file: `{ agents: [...] }`, with unique ids.
 */
export const simulatorAgentsFileSchema = z
  .strictObject({ agents: z.array(simAgentSpecSchema) })
  .superRefine((file, context) => {
    const seen = new Map<string, number>();
    file.agents.forEach((agent, index) => {
      const first = seen.get(agent.id);
      if (first === undefined) seen.set(agent.id, index);
      else
        context.addIssue({
          code: "custom",
          path: ["agents", index, "id"],
          message: `duplicate agent id (also used by agents[${first}])`,
        });
    });
  });
