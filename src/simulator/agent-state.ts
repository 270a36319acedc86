import type { SimAgent } from "./agent-spec.js";

// Endpoint types whose models Letta can token-stream (letta-wire §1.1,
// `StreamingService._is_token_streaming_compatible`; Google only for letta_v1_agent, which every
// simulated agent is). Others silently get step streaming when they ask for tokens.
const TOKEN_STREAMING_PROVIDERS = new Set([
  "anthropic",
  "openai",
  "bedrock",
  "deepseek",
  "zai",
  "zai_coding",
  "chatgpt_oauth",
  "minimax",
  "openrouter",
  "google_ai",
  "google_vertex",
]);

/** The provider (`model_endpoint_type`) of an agent's model handle, e.g. `openai`. */
export function modelProvider(model: string): string {
  return model.slice(0, model.indexOf("/"));
}

/** Whether Letta would token-stream this agent's model when asked to. */
export function canTokenStream(model: string): boolean {
  return TOKEN_STREAMING_PROVIDERS.has(modelProvider(model));
}

/** The system prompt of an agent: its own, or a default that names it. */
export function systemPromptOf(agent: SimAgent): string {
  return agent.system ?? `You are ${agent.name}, a simulated Letta agent. Answer helpfully and concisely.`;
}

/**
 * The agent's `AgentState` JSON object, with the fields the spec requires (letta-wire §1.5: id,
 * name, system, agent_type, llm_config{model, model_endpoint_type, context_window},
 * memory{blocks}, blocks, tools, sources, tags) and Letta's usual nulls for the rest. `tags` is
 * filled only when asked (`include=agent.tags`), like the real server for 1.x SDK clients.
 */
export function buildAgentState(
  agent: SimAgent,
  createdAt: string,
  withTags: boolean,
): Record<string, unknown> {
  const provider = modelProvider(agent.model);
  const modelName = agent.model.slice(provider.length + 1);
  return {
    created_by_id: null,
    last_updated_by_id: null,
    created_at: createdAt,
    updated_at: createdAt,
    id: agent.id,
    name: agent.name,
    tool_rules: [],
    message_ids: [],
    system: systemPromptOf(agent),
    agent_type: "letta_v1_agent",
    llm_config: {
      model: modelName,
      display_name: null,
      model_endpoint_type: provider,
      model_endpoint: null,
      provider_name: provider,
      provider_category: "base",
      model_wrapper: null,
      context_window: provider === "anthropic" ? 200000 : 128000,
      put_inner_thoughts_in_kwargs: false,
      handle: agent.model,
      temperature: 0.7,
      max_tokens: null,
      enable_reasoner: true,
      reasoning_effort: null,
      max_reasoning_tokens: 0,
    },
    embedding_config: null,
    model: agent.model,
    embedding: null,
    model_settings: null,
    compaction_settings: null,
    response_format: null,
    description: agent.description ?? null,
    metadata: {},
    memory: {
      agent_type: "letta_v1_agent",
      git_enabled: false,
      blocks: [],
      file_blocks: [],
      prompt_template: "",
    },
    blocks: [],
    tools: [],
    sources: [],
    tags: withTags ? agent.tags : [],
    tool_exec_environment_variables: [],
    secrets: [],
    project_id: null,
    template_id: null,
    base_template_id: null,
    deployment_id: null,
    entity_id: null,
    identity_ids: [],
    identities: [],
    pending_approval: null,
    message_buffer_autoclear: false,
    enable_sleeptime: null,
    multi_agent_group: null,
    managed_group: null,
    last_run_completion: null,
    last_run_duration_ms: null,
    last_stop_reason: null,
    timezone: "UTC",
    max_files_open: null,
    per_file_view_window_char_limit: null,
    hidden: null,
  };
}
