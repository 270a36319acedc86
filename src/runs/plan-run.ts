import type { FanoutConfig } from "../config/index.js";
import type { RunPlan } from "../core/fan-out.js";
import { AppError, validationError, type ErrorDetail } from "../errors.js";
import { resolveAgentOptions, type AgentEntryOptionsInput } from "../protocol/agent-options.js";
import { resolveRunOptions } from "../protocol/run-options.js";
import { PanelRunRequest, RunRequest } from "../protocol/run-request.js";
import { zodDetails } from "../protocol/zod-details.js";
import { ownValue } from "../own-value.js";

/** Finds agents by Letta tags (panels that select agents by tag). */
export type TagResolver = (
  tags: string[],
  matchAll: boolean,
  signal: AbortSignal,
) => Promise<{ id: string; name?: string }[]>;

export interface PlannedRun {
  plan: RunPlan;
  panel: string | null;
}

/**
 * Validates a run request and resolves it into a plan (API.md §1): the agents (from `agent_ids`
 * or a panel, by id or by tags), the run options (built-ins < config `defaults` < panel <
 * request) and each agent's options (config < panel < request `agent_defaults` < `agents[id]`).
 * Every problem is an AppError with API.md §5's status and code; nothing is sent upstream
 * before this succeeds.
 */
export async function planRun(
  body: unknown,
  panelFromPath: string | undefined,
  config: FanoutConfig,
  resolveTags: TagResolver,
  signal: AbortSignal,
): Promise<PlannedRun> {
  const parsed = panelFromPath === undefined ? RunRequest.safeParse(body) : PanelRunRequest.safeParse(body);
  if (!parsed.success) throw validationError(zodDetails(parsed.error));
  const request = parsed.data as RunRequest;
  const panelName = panelFromPath ?? request.panel;
  const panel = panelName === undefined ? undefined : ownValue(config.panels, panelName);
  if (panelName !== undefined && !panel) {
    const known = Object.keys(config.panels).join(", ") || "none configured";
    if (panelFromPath !== undefined)
      throw new AppError("not_found", `No panel named "${panelName}" (panels: ${known}).`, 404);
    throw validationError([{ path: "panel", message: `no panel named "${panelName}" (panels: ${known})` }]);
  }

  const agents: { agentId: string; label?: string; layer?: AgentEntryOptionsInput }[] = [];
  if (panel) {
    for (const entry of panel.agents) {
      if ("id" in entry) {
        agents.push({ agentId: entry.id, ...label(entry.label), ...layer(entry.options) });
        continue;
      }
      const found = await resolveTags(entry.tags, entry.match_all_tags, signal);
      for (const agent of found) {
        if (agents.some((known) => known.agentId === agent.id)) continue;
        agents.push({ agentId: agent.id, ...label(agent.name), ...layer(entry.options) });
      }
    }
    if (agents.length === 0) {
      throw validationError([{ path: "panel", message: `panel "${panelName}" selects no agents right now` }]);
    }
  } else {
    for (const agentId of request.agent_ids ?? []) agents.push({ agentId });
  }

  const details: ErrorDetail[] = [];
  const limit = config.limits.max_agents_per_run;
  if (agents.length > limit) {
    details.push({
      path: panel ? "panel" : "agent_ids",
      message: `${agents.length} agents is more than limits.max_agents_per_run (${limit})`,
    });
  }
  // The keys as sent: zod leaves a `__proto__` key out of a record, and it is no agent of the run either.
  for (const id of Object.keys((body as { agents?: object }).agents ?? {})) {
    if (!agents.some((agent) => agent.agentId === id)) {
      details.push({ path: `agents.${id}`, message: "is not an agent of this run" });
    }
  }
  const options = resolveRunOptions(config.defaults, panel?.options, request.options);
  if (options.complete_when !== "all" && options.complete_when.first > agents.length) {
    details.push({
      path: "options.complete_when.first",
      message: `must be at most the number of agents in the run (${agents.length})`,
    });
  }
  if (details.length > 0) throw validationError(details);

  const defaultLayers = [
    config.defaults.agent_defaults,
    panel?.options?.agent_defaults,
    request.options?.agent_defaults,
  ] as const;
  return {
    panel: panelName ?? null,
    plan: {
      message: request.message,
      ...(panelName === undefined ? {} : { panel: panelName }),
      options,
      effectiveOptions: { ...options, agent_defaults: resolveAgentOptions(...defaultLayers) },
      agents: agents.map(({ agentId, label: name, layer: panelLayer }) => {
        const own = request.agents === undefined ? undefined : ownValue(request.agents, agentId);
        const { conversation: panelConversation, ...panelOptions } = panelLayer ?? {};
        const { conversation: ownConversation, ...ownOptions } = own ?? {};
        return {
          agentId,
          ...(name === undefined ? {} : { label: name }),
          conversation: conversationOf(ownConversation ?? panelConversation ?? options.conversation),
          options: resolveAgentOptions(
            defaultLayers[0],
            defaultLayers[1],
            panelOptions,
            defaultLayers[2],
            ownOptions,
          ),
        };
      }),
    },
  };
}

/** The plan's conversation of an agent: Letta's name for the agent's own one is `default`. */
export function conversationOf(choice: string): string {
  return choice === "agent" ? "default" : choice;
}

const label = (value: string | undefined) => (value === undefined ? {} : { label: value });
const layer = (value: AgentEntryOptionsInput | undefined) => (value === undefined ? {} : { layer: value });
