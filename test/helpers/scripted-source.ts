import {
  UpstreamFailure,
  type AgentSource,
  type OpenRequest,
  type UpstreamItem,
} from "../../src/core/agent-source.js";

/**
 * One thing an upstream stream does, as data. Times are in ms of the (usually fake) clock.
 * - `ping`: Letta's ping (the initial one names the run: `runId`), `seq` its background `seq_id`;
 * - `text`: an assistant (or reasoning) delta of message `id` (default "m1");
 * - `stop` / `usage`: Letta's stop reason and usage statistics;
 * - `silence`: nothing for `ms`, then the next step;
 * - `hang`: nothing ever again (the stream ends only when the core aborts it);
 * - `drop`: the connection breaks (the adapter's `upstream_disconnected`);
 * - `error`: Letta's `event: error` (the adapter's `upstream_error`, final);
 * - `throws`: the source throws this value (a bug, or an error nobody classified).
 * When the steps run out, the server closed the stream.
 */
export type ScriptStep =
  | { ping: true; runId?: string; seq?: number }
  | { text: string; id?: string; kind?: "assistant" | "reasoning"; seq?: number }
  | { stop: string; seq?: number }
  | { usage: number }
  | { silence: number }
  | { hang: true }
  | { drop: true }
  | { error: string }
  | { throws: unknown };

/** How one `open` is answered, and what its stream then does. */
export interface ScriptedOpen {
  /**
   * `accept` (default): headers at once; `{ headersAfterMs }`: headers after a delay;
   * `hangHeaders`: headers never come; `{ refuse }`: a failure before any stream opened.
   */
  answer?: "accept" | "hangHeaders" | { headersAfterMs: number } | { refuse: UpstreamFailure };
  steps?: ScriptStep[];
  /**
   * How our own abort shows up while the body is read: `quiet` ends the iteration (what the SDK
   * does with an AbortError), `throws` rejects with undici's `TypeError: terminated` (what a
   * socket torn down under a read looks like).
   */
  onAbort?: "quiet" | "throws";
}

/** A scripted source and what it saw. */
export interface ScriptedSource {
  source: AgentSource;
  /** Every request opened, in order. */
  requests: OpenRequest[];
  /** How many attempts the core aborted (while waiting for headers or reading). */
  aborts: number;
  /** Every call of Letta's cancel endpoint. */
  cancels: { agentId: string; lettaRunId: string | undefined }[];
  /** Every conversation created, in order (`conv-…` ids numbered from 1). */
  conversations: { agentId: string; conversationId: string }[];
}

/** What the SDK rejects with when a request's signal aborts before headers: a foreign error. */
const sdkAbortError = () => new Error("Request was aborted.");

/**
 * A fake upstream described as data (the way vercel/ai scripts its test servers): the n-th
 * `open` of an agent plays `script(request, n)`, or the n-th entry of a list. It speaks the
 * core's `AgentSource` seam exactly as the Letta adapter does, including the foreign errors an
 * abort produces, so each retry, resume and timeout path runs fast under fake timers.
 *
 * @example
 *   const upstream = scriptedSource([{ answer: "hangHeaders" }, { steps: [{ text: "Hi" }, { stop: "end_turn" }] }]);
 */
export function scriptedSource(
  script: readonly ScriptedOpen[] | ((request: OpenRequest, n: number) => ScriptedOpen),
): ScriptedSource {
  const opens = new Map<string, number>();
  const seen: ScriptedSource = {
    requests: [],
    aborts: 0,
    cancels: [],
    conversations: [],
    source: {
      createConversation(agentId) {
        const n = String(seen.conversations.length + 1).padStart(12, "0");
        const conversationId = `conv-00000000-0000-4000-8000-${n}`;
        seen.conversations.push({ agentId, conversationId });
        return Promise.resolve(conversationId);
      },
      async open(request, signal) {
        seen.requests.push(request);
        const n = (opens.get(request.agentId) ?? 0) + 1;
        opens.set(request.agentId, n);
        const plan = typeof script === "function" ? script(request, n) : script[n - 1];
        if (plan === undefined) throw new Error(`scripted source: no script for open #${n}`);
        const answer = plan.answer ?? "accept";
        if (typeof answer === "object" && "refuse" in answer) throw answer.refuse;
        if (answer !== "accept") {
          const ms = answer === "hangHeaders" ? Infinity : answer.headersAfterMs;
          if (!(await pause(ms, signal))) {
            seen.aborts++;
            throw sdkAbortError();
          }
        }
        return play(plan, signal, () => seen.aborts++);
      },
      cancel(agentId, lettaRunId) {
        seen.cancels.push({ agentId, lettaRunId });
        return Promise.resolve();
      },
    },
  };
  return seen;
}

/** Waits `ms` (Infinity: forever); false if `signal` aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => done(true), ms) : undefined;
    const done = (elapsed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(elapsed);
    };
    const onAbort = () => done(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function play(plan: ScriptedOpen, signal: AbortSignal, aborted: () => void): AsyncIterator<UpstreamItem> {
  const steps = [...(plan.steps ?? [])];
  const abortEnd = (): IteratorResult<UpstreamItem> => {
    aborted();
    if (plan.onAbort === "throws") throw new TypeError("terminated");
    return { done: true, value: undefined };
  };
  return {
    async next() {
      for (;;) {
        if (signal.aborted) return abortEnd();
        const step = steps.shift();
        if (step === undefined) return { done: true, value: undefined };
        if ("silence" in step || "hang" in step) {
          if (!(await pause("hang" in step ? Infinity : step.silence, signal))) return abortEnd();
          continue;
        }
        if ("drop" in step) {
          throw new UpstreamFailure("upstream_disconnected", "The Letta stream broke off: terminated.", {
            retryable: true,
          });
        }
        if ("error" in step) {
          throw new UpstreamFailure(
            "upstream_error",
            `Letta reported an error in the stream: ${step.error}.`,
            {
              retryable: false,
            },
          );
        }
        if ("throws" in step) throw step.throws;
        return { done: false, value: toItem(step) };
      }
    },
    return() {
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

function toItem(
  step: Extract<ScriptStep, { ping: true } | { text: string } | { stop: string } | { usage: number }>,
): UpstreamItem {
  const seqId = "seq" in step ? step.seq : undefined;
  const seq = seqId === undefined ? {} : { seqId };
  if ("ping" in step) {
    return {
      outputs: [{ type: "ping" }],
      raw: step,
      ...(step.runId ? { lettaRunId: step.runId } : {}),
      ...seq,
    };
  }
  if ("text" in step) {
    const output = {
      type: "delta" as const,
      message_id: step.id ?? "m1",
      kind: step.kind ?? "assistant",
      text: step.text,
    };
    return { outputs: [output], raw: step, ...seq };
  }
  if ("stop" in step) return { outputs: [{ type: "stop", stop_reason: step.stop }], raw: step, ...seq };
  const usage = {
    completion_tokens: step.usage,
    prompt_tokens: 1,
    total_tokens: step.usage + 1,
    step_count: 1,
  };
  return { outputs: [{ type: "usage", ...usage }], raw: step };
}
