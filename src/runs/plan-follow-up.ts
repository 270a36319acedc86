import { AppError, notFound, validationError } from "../errors.js";
import { resolveAgentOptions, type AgentOptionsInput } from "../protocol/agent-options.js";
import { resolveRunOptions, type RunOptionsInput } from "../protocol/run-options.js";
import { FollowUpRequest } from "../protocol/run-request.js";
import { zodDetails } from "../protocol/zod-details.js";
import type { EventStore } from "../store/event-store.js";
import type { PlannedRun } from "./plan-run.js";

/**
 * Plans `POST /v1/runs/{id}/follow-ups` (API.md §2): the same agents, in the same conversations,
 * as the parent run as the store shows it (so any instance can take it); the parent's effective
 * options, with the request's `options` layered over them. An agent whose new conversation could
 * not be made in the parent gets a new one now.
 */
export async function planFollowUp(
  parentRunId: string,
  body: unknown,
  store: EventStore,
): Promise<PlannedRun> {
  const parsed = FollowUpRequest.safeParse(body);
  if (!parsed.success) throw validationError(zodDetails(parsed.error));
  const request = parsed.data;
  const parent = await store.snapshot(parentRunId);
  if (!parent) throw notFound(`No run ${parentRunId} (it never existed, or passed retention).`);
  const agents = Object.entries(parent.agents);
  if (agents.length === 0) {
    throw new AppError(
      "conflict",
      `Run ${parentRunId} has not started yet, so its conversations are not known; retry in a moment.`,
      409,
    );
  }
  const { agent_defaults: parentAgentDefaults, ...parentOptions } = parent.options as RunOptionsInput & {
    agent_defaults?: AgentOptionsInput;
  };
  const options = resolveRunOptions(parentOptions, request.options);
  const agentOptions = resolveAgentOptions(parentAgentDefaults, request.options?.agent_defaults);
  return {
    panel: parent.panel ?? null,
    plan: {
      message: request.message,
      options,
      effectiveOptions: { ...options, agent_defaults: agentOptions },
      ...(parent.panel === undefined ? {} : { panel: parent.panel }),
      parentRunId,
      agents: agents.map(([agentId, agent]) => ({
        agentId,
        ...(agent.label === undefined ? {} : { label: agent.label }),
        conversation: agent.conversation_id ?? "new",
        options: structuredClone(agentOptions),
      })),
    },
  };
}
