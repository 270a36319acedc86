import type { AgentOptions } from "../protocol/agent-options.js";
import type { AgentOutputSink } from "./agent-output-sink.js";
import {
  UpstreamFailure,
  type AgentSource,
  type OpenRequest,
  type UpstreamItem,
  type UpstreamStream,
} from "./agent-source.js";
import { IdleTimeout, isTransportFailure } from "./classify-failure.js";
import { IdleWatch } from "./idle-watch.js";
import { linkAbort } from "./link-abort.js";

/** What one agent has learned across its attempts; what a resume needs. */
export interface AttemptState {
  /** Letta accepted the message (a 2xx stream opened): from now on it must never be re-sent. */
  accepted: boolean;
  lettaRunId: string | undefined;
  /** The last background `seq_id` whose events all went out. */
  lastSeqId: number | undefined;
  stopReason: string | undefined;
}

/**
 * One upstream attempt: opens the stream and reads it to its end through the sink. Resolves
 * when Letta gave its verdict (a stop reason); throws otherwise (an `IdleTimeout`, an
 * `UpstreamFailure`, or whatever the source threw). The idle timer covers the wait for headers
 * and for every message, but not the time the sink holds the agent back.
 *
 * Two rules keep foreign errors from being misread:
 * - our own abort wins: once the idle timer aborted the attempt, whatever the source throws
 *   because of it (the SDK's `APIUserAbortError` while waiting for headers, undici's
 *   `terminated` while reading) is reported as the `IdleTimeout` it is;
 * - a finished answer is finished: once Letta sent its stop reason, a transport failure (a
 *   reset before `[DONE]`, a body that never closes) ends the attempt as Letta decided.
 */
export async function readAttempt(
  source: AgentSource,
  request: OpenRequest,
  options: AgentOptions,
  state: AttemptState,
  sink: AgentOutputSink,
  stop: AbortSignal,
  attemptNumber: number,
  progressed: () => void = noProgress,
): Promise<void> {
  const attempt = new AbortController();
  // What the request listens to: the agent's stop, or this attempt's end (idle, over).
  const requestStop = new AbortController();
  const unlinkStop = linkAbort(stop, requestStop);
  linkAbort(attempt.signal, requestStop);
  const signal = requestStop.signal;
  const idle = new IdleWatch(options.idle_timeout_ms, () =>
    attempt.abort(new IdleTimeout(options.idle_timeout_ms)),
  );
  let iterator: UpstreamStream | undefined;
  try {
    const opened = await source.open(request, signal);
    iterator = opened;
    throwIfAborted(attempt.signal);
    if (request.mode === "send") state.accepted = true;
    state.stopReason = undefined;
    for (let first = true; ; first = false) {
      const next = await opened.next();
      // An abort ends the SDK's iteration quietly (letta-wire §4.1): check before trusting `done`.
      throwIfAborted(signal);
      if (first) {
        // agent.started means "a stream opened"; Letta names its run in the first event (the
        // initial ping), so the event waits for it and can carry `letta_run_id`.
        const lettaRunId = next.done ? undefined : next.value.lettaRunId;
        if (lettaRunId !== undefined) state.lettaRunId = lettaRunId;
        sink.started(attemptNumber, state.lettaRunId);
        progressed();
      }
      if (next.done) break;
      // This item, then every one already read with it (takeReady), without a promise each.
      for (let item: UpstreamItem | undefined = next.value; item !== undefined;) {
        idle.touch();
        if (item.lettaRunId !== undefined) state.lettaRunId = item.lettaRunId;
        for (const output of item.outputs) if (output.type === "stop") state.stopReason = output.stop_reason;
        const waiting = sink.item(item, signal, idle);
        if (waiting) await waiting;
        throwIfAborted(attempt.signal);
        if (item.seqId !== undefined && item.seqId !== state.lastSeqId) {
          state.lastSeqId = item.seqId;
          progressed();
        }
        item = opened.takeReady?.();
        if (item !== undefined) throwIfAborted(signal);
      }
    }
    if (state.stopReason === undefined) {
      throw new UpstreamFailure(
        "upstream_disconnected",
        "The Letta stream ended before the agent finished.",
        {
          retryable: true,
        },
      );
    }
  } catch (error) {
    const own = ownAbort(attempt.signal) ?? error;
    if (state.stopReason !== undefined && isTransportFailure(own)) return;
    throw own;
  } finally {
    idle.stop();
    // A constant reason: abort() without one builds a DOMException with a stack trace per attempt.
    attempt.abort(ATTEMPT_OVER);
    unlinkStop();
    void iterator?.return?.().catch(() => undefined);
  }
}

const ATTEMPT_OVER = new Error("attempt over");

function noProgress(): void {
  // Without a listener (tests, a single process) progress is not reported.
}

/** The IdleTimeout this attempt was aborted with, if that is what happened. */
function ownAbort(signal: AbortSignal): IdleTimeout | undefined {
  return signal.aborted && signal.reason instanceof IdleTimeout ? signal.reason : undefined;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}
