import pLimit from "p-limit";
import { abortableSleep } from "./abortable-sleep.js";
import type { AgentSource } from "./agent-source.js";
import { backoffDelay } from "./backoff.js";
import { classifyFailure, type Failure } from "./classify-failure.js";
import type { RunPlan } from "./fan-out.js";

/** Each agent's conversation for the run, and the agents whose new conversation could not be made. */
export interface RunConversations {
  ids: Record<string, string>;
  failed: Record<string, Failure>;
}

/**
 * Resolves every agent's conversation before `run.started` names them (API.md §1): `default`
 * and `conv-…` ids stand as they are; `new` is a conversation created on the agent now, at most
 * `max_concurrency` creations at once, each retried by the agent's `retry` options (a conversation
 * made twice after an ambiguous failure is an empty, harmless one). An agent whose stop signal
 * aborts is left out: its stop decides how it ends.
 */
export async function resolveConversations(
  plan: RunPlan,
  source: AgentSource,
  stopOf: (agentId: string) => AbortSignal,
  random: () => number,
): Promise<RunConversations> {
  const result: RunConversations = { ids: {}, failed: {} };
  const limit = pLimit(plan.options.max_concurrency);
  for (const { agentId, conversation } of plan.agents)
    if (conversation !== "new") result.ids[agentId] = conversation;
  await Promise.all(
    plan.agents.flatMap(({ agentId, conversation, options }) =>
      conversation !== "new"
        ? []
        : [
            limit(async () => {
              const signal = stopOf(agentId);
              for (let attempt = 1; !signal.aborted; attempt += 1) {
                try {
                  result.ids[agentId] = await source.createConversation(agentId, signal);
                  return;
                } catch (error) {
                  // The signal may have aborted during the await above; TS narrowing cannot see that.
                  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
                  if (signal.aborted) return;
                  const failure = classifyFailure(error);
                  if (!failure.retryable || attempt >= options.retry.max_attempts) {
                    result.failed[agentId] = {
                      ...failure,
                      message: `Could not create a new Letta conversation for the agent: ${failure.message}`,
                    };
                    return;
                  }
                  await abortableSleep(
                    failure.retryAfterMs ?? backoffDelay(attempt, options.retry, random),
                    signal,
                  );
                }
              }
            }),
          ],
    ),
  );
  return result;
}
