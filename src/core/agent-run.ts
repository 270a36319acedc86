import type { AgentOptions } from "../protocol/agent-options.js";
import type { AgentEndStatus, AgentEventDraft } from "../protocol/events.js";
import type { MessageInput } from "../protocol/run-request.js";
import { abortableSleep } from "./abortable-sleep.js";
import { backoffDelay } from "./backoff.js";
import { linkAbort } from "./link-abort.js";
import { messageOtid } from "./message-otid.js";
import { AgentMetricsTracker } from "./agent-metrics-tracker.js";
import type { AgentSource, OpenRequest } from "./agent-source.js";
import { stopOf, stopTimedOut } from "./agent-stop.js";
import type { BackpressureGate } from "./backpressure-gate.js";
import { AgentOutputSink } from "./agent-output-sink.js";
import { classifyFailure, internalFailure, type Failure } from "./classify-failure.js";
import { planRetry } from "./plan-retry.js";
import type { AgentProgress } from "./agent-progress.js";
import { readAttempt, type AttemptState } from "./read-attempt.js";
import { cancelUpstream, end, finish } from "./agent-end.js";
import { takeOver } from "./agent-takeover.js";

/** What the run shares with each of its agents. */
export interface AgentRunContext {
  source: AgentSource;
  /** The run's id: the messages' `otid`s derive from it. */
  runId: string;
  message: MessageInput;
  /**
   * Lets the agent start: waits for its conversation's turn (saying so with `queued`, reason
   * `conversation_busy`), then for a concurrency slot of the run. Resolves with what gives both
   * back; rejects with `signal.reason` when `signal` aborts first.
   */
  admit: (
    agentId: string,
    conversationId: string,
    signal: AbortSignal,
    queued: (position: number) => void,
  ) => Promise<() => void>;
  gate: BackpressureGate;
  /** Run-wide memory: once Letta answered 503 to a background request, the run stays foreground. */
  upstream: { backgroundUnavailable: boolean };
  /** Epoch ms when the whole run must end. */
  runDeadlineAt: number;
  now: () => number;
  random: () => number;
  /**
   * Hears of every agent that ends with code `internal` (a bug of ours, never a Letta fault), with
   * the error behind it, so that the service can log it: `internal` is never silent.
   */
  reportInternal: (agentId: string, cause: unknown) => void;
  /**
   * Hears how far each agent got upstream, right after the events it covers were emitted (the
   * Redis store keeps it with them, for a takeover).
   */
  onProgress?: (agentId: string, progress: AgentProgress) => void;
}

export interface AgentRunSpec {
  agentId: string;
  /** `default` (the agent's own conversation) or a `conv-…` id, already created. */
  conversationId: string;
  options: AgentOptions;
  /** Epoch ms when the agent entered the run (for `queued_ms`). */
  queuedAt: number;
  /** Set when this instance takes the agent over from one that stopped: how far that one got. */
  resume?: AgentProgress;
  /** Set when the agent cannot start at all (its new conversation could not be created). */
  unavailable?: Failure;
}

/**
 * Runs one agent stream to its end: opens the upstream, retries and resumes per API.md §4,
 * applies the agent's options, and emits its events, always ending with exactly one
 * `agent.completed`. Never throws: every failure becomes that final event. `stop` is the
 * outside world's say (cancel, run deadline); its reason is an `AgentStop`.
 */
export async function runAgent(
  spec: AgentRunSpec,
  context: AgentRunContext,
  stop: AbortSignal,
  emit: (event: AgentEventDraft) => void,
): Promise<AgentEndStatus> {
  const { agentId, options } = spec;
  const metrics = new AgentMetricsTracker(spec.queuedAt, context.now);
  const sink = new AgentOutputSink(agentId, options, context.gate, metrics, emit, context.now);

  // The agent's own stop: the outside world's (`stop`), or its deadline, whichever comes first.
  const agentStop = new AbortController();
  linkAbort(stop, agentStop);
  const deadlineAt = Math.min(
    context.runDeadlineAt,
    options.timeout_ms === null ? Infinity : context.now() + options.timeout_ms,
  );
  const deadlineTimer = setTimeout(
    () => agentStop.abort(stopTimedOut("The agent did not finish before its deadline.")),
    Math.max(0, deadlineAt - context.now()),
  );
  const signal = agentStop.signal;

  const state: AttemptState = {
    accepted: false,
    lettaRunId: undefined,
    lastSeqId: undefined,
    stopReason: undefined,
  };
  let background =
    options.background === true || (options.background === "auto" && !context.upstream.backgroundUnavailable);
  let failure: Failure | undefined;
  let attempt = 1;
  /** Retries because Letta said the conversation was busy: waited out, not counted as attempts. */
  let busyWaits = 0;
  /** Second sends of a message Letta accepted (`resend_after_accept`): each needs a new otid. */
  let generation = 0;
  let release: (() => void) | undefined;
  const progressed = () =>
    context.onProgress?.(agentId, {
      attempt,
      accepted: state.accepted,
      background,
      ...(state.lettaRunId === undefined ? {} : { letta_run_id: state.lettaRunId }),
      ...(state.lastSeqId === undefined ? {} : { last_seq_id: state.lastSeqId }),
    });
  if (spec.resume) {
    background = spec.resume.background;
    const takeover = takeOver(spec.resume, options, state);
    if (takeover.kind === "fail") failure = takeover.failure;
    else {
      attempt = spec.resume.attempt + 1;
      sink.event({
        type: "agent.retry",
        agent_id: agentId,
        attempt,
        delay_ms: 0,
        reason: "takeover",
        mode: takeover.mode,
        ...(takeover.mode === "resume" ? { resume_after: state.lastSeqId ?? 0 } : {}),
      });
      progressed();
    }
  }

  if (spec.unavailable) failure = spec.unavailable;
  else
    try {
      release = await context.admit(agentId, spec.conversationId, signal, (position) =>
        sink.event({ type: "agent.queued", agent_id: agentId, position, reason: "conversation_busy" }),
      );
    } catch {
      // Aborted while waiting: the stop's reason decides how the agent ends, below.
    }
  metrics.start();

  try {
    while (failure === undefined && release !== undefined) {
      if (signal.aborted) break;
      const request: OpenRequest =
        state.accepted && state.lettaRunId !== undefined
          ? { mode: "resume", agentId, lettaRunId: state.lettaRunId, startingAfter: state.lastSeqId ?? 0 }
          : {
              mode: "send",
              agentId,
              conversationId: spec.conversationId,
              message: context.message,
              otid: messageOtid(context.runId, agentId, generation),
              streamTokens: options.stream_tokens,
              background,
            };
      metrics.attempts = attempt;
      metrics.request();
      try {
        await readAttempt(context.source, request, options, state, sink, signal, attempt, progressed);
        release();
        return await finish(sink, metrics, state.stopReason);
      } catch (error) {
        // The signal may have aborted during the await above; TS narrowing cannot see that.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        if (signal.aborted) break;
        const classified = classifyFailure(error);
        if (classified.code === "internal") context.reportInternal(agentId, error);
        if (
          classified.backgroundUnavailable &&
          options.background === "auto" &&
          !state.accepted &&
          background
        ) {
          // API.md §3: falling back to foreground is not an attempt and emits no agent.retry.
          context.upstream.backgroundUnavailable = true;
          background = false;
          continue;
        }
        if (classified.code === "conversation_busy" && !state.accepted) {
          // API.md §4: someone else is talking to the conversation; wait it out until the deadline.
          busyWaits += 1;
          attempt += 1;
          const delayMs = classified.retryAfterMs ?? backoffDelay(busyWaits, options.retry, context.random);
          progressed();
          sink.event({
            type: "agent.retry",
            agent_id: agentId,
            attempt,
            delay_ms: delayMs,
            reason: classified.code,
            mode: "resend",
          });
          await abortableSleep(delayMs, signal);
          continue;
        }
        const retry = planRetry(
          classified,
          attempt - busyWaits,
          options,
          state,
          background,
          deadlineAt,
          context,
        );
        if (retry.kind === "fail") {
          failure = retry.failure;
          break;
        }
        if (retry.mode === "resend" && state.accepted) generation += 1;
        if (retry.mode === "resend") {
          state.accepted = false;
          state.lettaRunId = undefined;
          state.lastSeqId = undefined;
        }
        attempt += 1;
        progressed();
        sink.event({
          type: "agent.retry",
          agent_id: agentId,
          attempt,
          delay_ms: retry.delayMs,
          reason: classified.code,
          mode: retry.mode,
          ...(retry.mode === "resume" ? { resume_after: state.lastSeqId ?? 0 } : {}),
        });
        await abortableSleep(retry.delayMs, signal);
      }
    }
  } finally {
    clearTimeout(deadlineTimer);
  }

  if (signal.aborted) {
    const why = stopOf(signal);
    if (state.accepted && why.handedOver !== true)
      await cancelUpstream(context.source, agentId, state.lettaRunId);
    // A run handed over keeps its turn: the instance that continues it holds the conversation now.
    if (why.handedOver !== true) release?.();
    return end(sink, metrics, why.status, { code: why.code, message: why.message });
  }
  release?.();
  let final = failure;
  if (final === undefined) {
    // Unreachable by design: every way out of the loop above sets `failure` or aborted `signal`.
    final = internalFailure();
    context.reportInternal(agentId, new Error("the agent's attempt loop ended without an outcome"));
  }
  return end(sink, metrics, "failed", { code: final.code, message: final.message }, state.stopReason);
}
