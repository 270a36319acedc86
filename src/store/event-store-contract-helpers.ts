import type { AgentEndStatus, EventDraft, RunEndStatus } from "../protocol/events.js";
import type { EventStore, StoredEvent } from "./event-store.js";

/**
 * Drafts and deadline-bound reads for the EventStore contract suite (event-store-contract.ts).
 * A shared store makes an appended event readable only once it is durable, so the suite never
 * reads right after `append`: it waits (waitRun/waitFirehose, or polling) with a deadline, and
 * a store that never delivers fails with what was awaited instead of hanging.
 */

/** How long any wait of the suite may take before the test fails. */
export const DEADLINE_MS = 5_000;

export const draft = {
  runStarted(agents: readonly string[], labels: Record<string, string> = {}): EventDraft {
    return {
      type: "run.started",
      agents: agents.map((agent_id) => ({
        agent_id,
        ...(labels[agent_id] ? { label: labels[agent_id] } : {}),
      })),
      options: { complete_when: "all" },
    };
  },
  agentStarted(agentId: string, attempt = 1): EventDraft {
    return { type: "agent.started", agent_id: agentId, attempt, letta_run_id: `run-${agentId}` };
  },
  delta(agentId: string, text: string, kind: "assistant" | "reasoning" = "assistant"): EventDraft {
    return { type: "agent.delta", agent_id: agentId, message_id: `message-${agentId}`, kind, text };
  },
  agentCompleted(agentId: string, status: AgentEndStatus = "completed"): EventDraft {
    return {
      type: "agent.completed",
      agent_id: agentId,
      status,
      ...(status === "completed"
        ? { stop_reason: "end_turn" }
        : { error: { code: "upstream_error", message: `${agentId} failed upstream` } }),
      metrics: {
        queued_ms: 0,
        ttft_ms: 5,
        duration_ms: 20,
        attempts: 1,
        events: 3,
        chars: 10,
        completion_tokens: 4,
        tokens_per_second: 200,
      },
    };
  },
  runCompleted(agents: Record<string, AgentEndStatus> = {}, status: RunEndStatus = "completed"): EventDraft {
    const statuses = Object.values(agents);
    const completed = statuses.filter((agentStatus) => agentStatus === "completed").length;
    return {
      type: "run.completed",
      status,
      agents,
      metrics: {
        duration_ms: 30,
        ttft_ms: 5,
        agents_completed: completed,
        agents_failed: statuses.length - completed,
        events: 0,
      },
    };
  },
};

/** Appends every draft to `runId`, in order; returns what `append` returned. */
export function appendAll(store: EventStore, runId: string, drafts: readonly EventDraft[]): StoredEvent[] {
  return drafts.map((event) => store.append(runId, event));
}

/** A whole run: run.started, each agent started, one delta and completed, then run.completed. */
export function wholeRun(agents: readonly string[]): EventDraft[] {
  return [
    draft.runStarted(agents),
    ...agents.flatMap((agent) => [draft.agentStarted(agent), draft.delta(agent, `${agent} says hi`)]),
    ...agents.map((agent) => draft.agentCompleted(agent)),
    draft.runCompleted(Object.fromEntries(agents.map((agent) => [agent, "completed" as const]))),
  ];
}

/**
 * Every event of `runId` after `after`, following it live (waitRun) until the run has ended, or
 * until `count` events were read when given (for a run still going).
 */
export async function readAllRun(
  store: EventStore,
  runId: string,
  options: { after?: number; count?: number; max?: number } = {},
): Promise<StoredEvent[]> {
  const signal = AbortSignal.timeout(DEADLINE_MS);
  const events: StoredEvent[] = [];
  let cursor = options.after ?? 0;
  for (;;) {
    // Wait first: a run just created may not be readable yet (a shared store writes it later).
    await store.waitRun(runId, cursor, signal);
    if (signal.aborted) {
      const wanted = options.count === undefined ? "its end" : `${options.count} events`;
      throw new Error(
        `run ${runId}: read ${events.length} events after ${options.after ?? 0}, not ${wanted}, within ${DEADLINE_MS} ms`,
      );
    }
    const batch = await store.readRun(runId, cursor, options.max ?? 1_000);
    events.push(...batch.events);
    cursor = batch.events.at(-1)?.seq ?? cursor;
    if (batch.ended || (options.count !== undefined && events.length >= options.count)) return events;
    // A wait that woke with nothing to read must not spin without letting the deadline fire.
    if (batch.events.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The firehose after `after` until `count` events were read (with `panel`, `count` of that
 * panel's), following it live with waitFirehose; the cursor moves on with `next` as a reader's
 * would. Returns the events and the cursor reached.
 */
export async function readAllFirehose(
  store: EventStore,
  after: number,
  count: number,
  options: { panel?: string; max?: number } = {},
): Promise<{ events: StoredEvent[]; cursor: number }> {
  const signal = AbortSignal.timeout(DEADLINE_MS);
  const events: StoredEvent[] = [];
  let cursor = after;
  for (;;) {
    const batch = await store.readFirehose(cursor, options.max ?? 1_000, options.panel);
    events.push(...batch.events);
    cursor = batch.next ?? batch.events.at(-1)?.global ?? cursor;
    if (events.length >= count) return { events, cursor };
    // A wait that wakes with nothing to read must not spin without letting the deadline fire.
    if (batch.events.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await store.waitFirehose(cursor, signal);
    if (signal.aborted)
      throw new Error(`firehose: read ${events.length} of ${count} events within ${DEADLINE_MS} ms`);
  }
}

/** Polls `check` until it returns true or a value, failing with `what` at the deadline. */
export async function eventually<T>(check: () => Promise<T | false | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${DEADLINE_MS} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with `promise`, or fails with `what` at the deadline. */
export async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${DEADLINE_MS} ms waiting for: ${what}`)),
      DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
