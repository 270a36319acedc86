import pLimit, { type LimitFunction } from "p-limit";
import { merge, Observable, Subscription } from "rxjs";
import type { AgentOptions } from "../protocol/agent-options.js";
import type { AgentEndStatus, AgentEventDraft, EventDraft } from "../protocol/events.js";
import type { MessageInput } from "../protocol/run-request.js";
import type { RunOptions } from "../protocol/run-options.js";
import { runAgent, type AgentRunContext } from "./agent-run.js";
import type { AgentSource } from "./agent-source.js";
import type { AgentProgress } from "./agent-progress.js";
import { stopCancelled, stopFailed, stopHandedOver, stopTimedOut } from "./agent-stop.js";
import { BackpressureGate } from "./backpressure-gate.js";
import type { Failure } from "./classify-failure.js";
import type { ConversationTurns } from "./conversation-turns.js";
import { resolveConversations, type RunConversations } from "./new-conversations.js";
import { RunOutcome } from "./run-outcome.js";
import { StartPacer } from "./start-pacer.js";

/** Everything a run needs, resolved: which agents, with which options. */
export interface RunPlan {
  message: MessageInput;
  /**
   * `conversation`: the Letta conversation the agent answers in: `default` (the agent's own),
   * `new` (created when the run starts) or a `conv-…` id.
   */
  agents: { agentId: string; label?: string; conversation: string; options: AgentOptions }[];
  options: RunOptions;
  /** The panel the run was asked of. */
  panel?: string;
  /** A follow-up's parent run. */
  parentRunId?: string;
  /** What `run.started.options` shows: the effective run options after all merging. */
  effectiveOptions: Record<string, unknown>;
}

/**
 * Where a run stood when the instance running it stopped (API.md §6 failover): when it started,
 * the agents that had ended, and how far each started one got upstream. Agents in neither had not
 * left the queue.
 */
export interface RunContinuation {
  startedAt: number;
  ended: Record<string, AgentEndStatus>;
  progress: Record<string, AgentProgress>;
  /** Events already in the log (the run's `metrics.events` counts them too). */
  events: number;
  /** Each agent's conversation as `run.started` named it (conversations made for the run). */
  conversations: Record<string, string>;
}

export interface FanOutDeps {
  /** The run's id (the messages' `otid`s derive from it, and conversation turns are held by it). */
  runId: string;
  source: AgentSource;
  /** One writer per conversation, across runs (see ConversationTurns). */
  turns: ConversationTurns;
  now?: () => number;
  random?: () => number;
  /** Hears of every agent that ends with code `internal`, with its cause (see `runAgent`). */
  onInternalError?: (agentId: string, cause: unknown) => void;
  /** Hears how far each agent got upstream (see `runAgent`); a takeover continues from it. */
  onProgress?: (agentId: string, progress: AgentProgress) => void;
  /** Continues a run another instance started, instead of starting it (no `run.started`). */
  continuation?: RunContinuation;
}

/** A started fan-out: its events, and the handles the outside world steers it with. */
export interface FanOut {
  /** Every event of the run in order, from `run.started` to `run.completed`; subscribe once. */
  events: Observable<EventDraft>;
  /** Where the run's own SSE stream reports what it delivered (backpressure). */
  gate: BackpressureGate;
  /** Cancels the run, or only some of its agents. Idempotent. */
  cancel(agentIds?: readonly string[]): void;
  /** Stops every agent without cancelling it at Letta: another instance continues the run. */
  handOver(): void;
  /** Ends every agent that is still going as `failed` with code `internal` and this message. */
  fail(message: string): void;
}

/**
 * Fans one message out to every agent of the plan: at most `max_concurrency` agent streams at
 * once (the rest wait in order, `agent.queued`), each an Observable whose teardown aborts its
 * upstream, merged into one stream tagged by `agent_id`. Applies the run options
 * `deadline_ms`, `complete_when` and cancellation, and ends with `run.completed`.
 *
 * @example
 *   const run = fanOut(plan, { source });
 *   run.events.subscribe((event) => log.append(event));
 */
export function fanOut(plan: RunPlan, deps: FanOutDeps): FanOut {
  const now = deps.now ?? Date.now;
  const gate = new BackpressureGate();
  const continuation = deps.continuation;
  const stops = new Map(plan.agents.map((agent) => [agent.agentId, new AbortController()]));
  const outcome = new RunOutcome(plan.agents.map((agent) => agent.agentId));
  if (continuation) outcome.resume(continuation.ended, continuation.events);
  const running = plan.agents.filter((agent) => continuation?.ended[agent.agentId] === undefined);

  const stopAgents = (ids: Iterable<string>, reason: unknown) => {
    for (const id of ids) stops.get(id)?.abort(reason);
  };
  const cancel = (agentIds?: readonly string[]) => {
    if (agentIds === undefined) {
      outcome.end("cancelled");
      stopAgents(stops.keys(), stopCancelled("The run was cancelled."));
    } else {
      stopAgents(agentIds, stopCancelled());
    }
  };

  const events = new Observable<EventDraft>((subscriber) => {
    const startedAt = continuation?.startedAt ?? now();
    const concurrency = plan.options.max_concurrency;
    // Only a run with more agents than slots needs the limiter; the others go at once, without
    // its promises and queue on the way to their first request.
    const limit = running.length > concurrency ? pLimit(concurrency) : undefined;
    const context: AgentRunContext = {
      source: deps.source,
      runId: deps.runId,
      message: plan.message,
      admit: async (agentId, conversationId, signal, queued) => {
        const giveTurnBack = await deps.turns.take({ agentId, conversationId }, deps.runId, signal, queued);
        try {
          const giveSlotBack = limit ? await takeSlot(limit, signal) : noSlot;
          return () => {
            giveSlotBack();
            giveTurnBack();
          };
        } catch (error) {
          giveTurnBack();
          throw error;
        }
      },
      gate,
      upstream: { backgroundUnavailable: false },
      runDeadlineAt: startedAt + plan.options.deadline_ms,
      now,
      random: deps.random ?? Math.random,
      reportInternal: deps.onInternalError ?? (() => undefined),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    };
    const deadline = setTimeout(
      () => {
        outcome.end("timed_out");
        stopAgents(
          stops.keys(),
          stopTimedOut(`The run's deadline of ${plan.options.deadline_ms} ms passed.`),
        );
      },
      Math.max(0, context.runDeadlineAt - now()),
    );

    const starts = new StartPacer();
    let conversations: Record<string, string> = continuation?.conversations ?? {};
    let unavailable: Record<string, Failure> = {};
    const agentStreams = running.map((agent, index) => {
      const stop = stops.get(agent.agentId) ?? new AbortController();
      return new Observable<AgentEventDraft>((agentSubscriber) => {
        if (index >= concurrency && !continuation) {
          agentSubscriber.next({
            type: "agent.queued",
            agent_id: agent.agentId,
            position: index - concurrency + 1,
            reason: "concurrency",
          });
        }
        const resume = continuation?.progress[agent.agentId];
        const spec = {
          agentId: agent.agentId,
          conversationId: conversations[agent.agentId] ?? agent.conversation,
          options: agent.options,
          queuedAt: startedAt,
          ...(resume ? { resume } : {}),
          ...(unavailable[agent.agentId] ? { unavailable: unavailable[agent.agentId] } : {}),
        };
        // Many agents start over several turns of the event loop (see StartPacer).
        starts.start(() => {
          if (agentSubscriber.closed) return;
          void runAgent(spec, context, stop.signal, (event) => agentSubscriber.next(event)).then(
            () => agentSubscriber.complete(),
            (error: unknown) => agentSubscriber.error(error),
          );
        });
        return () => stop.abort(stopCancelled("The run was torn down."));
      });
    });

    const firstK = plan.options.complete_when === "all" ? undefined : plan.options.complete_when.first;
    const subscription = new Subscription();
    const startAgents = () =>
      merge(...agentStreams).subscribe({
        next: (event) => {
          outcome.observe(event, now() - startedAt);
          subscriber.next(event);
          if (
            event.type === "agent.completed" &&
            firstK !== undefined &&
            outcome.completedCount() === firstK
          ) {
            outcome.end("completed");
            stopAgents(
              outcome.unfinished(),
              stopCancelled(`complete_when.first: ${firstK} agents already completed.`),
            );
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          clearTimeout(deadline);
          subscriber.next({
            type: "run.completed",
            status: outcome.status(),
            agents: outcome.statuses() as Record<string, AgentEndStatus>,
            metrics: outcome.metrics(now() - startedAt),
          });
          subscriber.complete();
        },
      });
    const begin = (resolved: RunConversations) => {
      conversations = resolved.ids;
      unavailable = resolved.failed;
      subscriber.next({
        type: "run.started",
        agents: plan.agents.map(({ agentId, label }) => ({
          agent_id: agentId,
          ...(label ? { label } : {}),
          ...(resolved.ids[agentId] === undefined ? {} : { conversation_id: resolved.ids[agentId] }),
        })),
        options: plan.effectiveOptions,
        message: plan.message,
        ...(plan.panel === undefined ? {} : { panel: plan.panel }),
        ...(plan.parentRunId === undefined ? {} : { parent_run_id: plan.parentRunId }),
      });
      subscription.add(startAgents());
    };
    if (continuation) subscription.add(startAgents());
    else if (!plan.agents.some((agent) => agent.conversation === "new")) {
      begin({ ids: Object.fromEntries(plan.agents.map((a) => [a.agentId, a.conversation])), failed: {} });
    } else {
      let torn = false;
      subscription.add(() => (torn = true));
      const stopSignal = (agentId: string) => stops.get(agentId)?.signal ?? AbortSignal.abort();
      void resolveConversations(plan, deps.source, stopSignal, context.random).then((resolved) => {
        if (!torn) begin(resolved);
      });
    }
    return () => {
      clearTimeout(deadline);
      starts.stop();
      subscription.unsubscribe();
    };
  });

  const handOver = () => stopAgents(stops.keys(), stopHandedOver());
  const fail = (message: string) => stopAgents(stops.keys(), stopFailed(message));
  return { events, gate, cancel, handOver, fail };
}

/** What a run without a limiter gives back for a slot: nothing. */
function noSlot(): void {
  // Every agent of the run had a slot from the start.
}

/**
 * A concurrency slot of the run (`max_concurrency`, in order of asking): resolves with what gives
 * it back; rejects with `signal.reason` if `signal` aborts before the slot comes, and a slot that
 * comes after that is given back at once.
 */
function takeSlot(limit: LimitFunction, signal: AbortSignal): Promise<() => void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason as Error);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    void limit(
      () =>
        new Promise<void>((giveBack) => {
          signal.removeEventListener("abort", onAbort);
          if (settled) giveBack();
          else {
            settled = true;
            resolve(giveBack);
          }
        }),
    );
  });
}
