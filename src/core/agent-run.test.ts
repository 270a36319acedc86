import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scriptedSource, type ScriptStep } from "../../test/helpers/scripted-source.js";
import { resolveAgentOptions, type AgentOptionsInput } from "../protocol/agent-options.js";
import type { AgentEventDraft } from "../protocol/events.js";
import { UpstreamFailure } from "./agent-source.js";
import { runAgent, type AgentRunContext } from "./agent-run.js";
import { stopCancelled } from "./agent-stop.js";
import { BackpressureGate } from "./backpressure-gate.js";

// The core's retry, resume and timeout rules (API.md §4) below HTTP: runAgent driven through the
// AgentSource seam by a scripted upstream, under fake timers, so every path is exact and fast.

const AGENT = "agent-00000000-0000-4000-8000-000000000001";
const IDLE = 1_000;
const fast: AgentOptionsInput = {
  idle_timeout_ms: IDLE,
  retry: { max_attempts: 3, initial_delay_ms: 100, max_delay_ms: 100, multiplier: 2 },
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const answer = (text: string, runId = "run-1"): ScriptStep[] => [
  { ping: true, runId, seq: 1 },
  { text, seq: 2 },
  { stop: "end_turn" },
  { usage: 3 },
];

async function drive(
  script: Parameters<typeof scriptedSource>[0],
  options: AgentOptionsInput = {},
  { stopAt, deadlineMs = 300_000 }: { stopAt?: number; deadlineMs?: number } = {},
) {
  const upstream = scriptedSource(script);
  const internal: { agentId: string; cause: unknown }[] = [];
  const context: AgentRunContext = {
    source: upstream.source,
    runId: "fr-test",
    message: "hi",
    admit: () => Promise.resolve(() => undefined),
    gate: new BackpressureGate(),
    upstream: { backgroundUnavailable: false },
    runDeadlineAt: Date.now() + deadlineMs,
    now: Date.now,
    random: () => 1,
    reportInternal: (agentId, cause) => internal.push({ agentId, cause }),
  };
  const events: AgentEventDraft[] = [];
  const stop = new AbortController();
  if (stopAt !== undefined) setTimeout(() => stop.abort(stopCancelled()), stopAt);
  const spec = {
    agentId: AGENT,
    conversationId: "default",
    options: resolveAgentOptions(fast, options),
    queuedAt: Date.now(),
  };
  const ended = runAgent(spec, context, stop.signal, (event) => events.push(event));
  await vi.runAllTimersAsync();
  const status = await ended;
  const text = events.flatMap((event) => (event.type === "agent.delta" ? [event.text] : [])).join("");
  const completed = events.at(-1);
  if (completed?.type !== "agent.completed") throw new Error("the last event is not agent.completed");
  const retries = events.flatMap((event) =>
    event.type === "agent.retry"
      ? [{ attempt: event.attempt, mode: event.mode, reason: event.reason, resume_after: event.resume_after }]
      : [],
  );
  return { status, text, completed, retries, events, upstream, internal };
}

describe("runAgent: waiting for response headers (idle_timeout_ms covers it)", () => {
  it("re-sends a message whose headers never came, as idle_timeout, and completes", async () => {
    const run = await drive([{ answer: "hangHeaders" }, { steps: answer("Hello.") }]);
    expect(run.completed).toMatchObject({
      status: "completed",
      stop_reason: "end_turn",
      metrics: { attempts: 2 },
    });
    expect(run.retries).toEqual([
      { attempt: 2, mode: "resend", reason: "idle_timeout", resume_after: undefined },
    ]);
    expect(run.text).toBe("Hello.");
    expect(run.upstream.requests.map((request) => request.mode)).toEqual(["send", "send"]);
    expect(run.upstream.aborts).toBe(1);
    expect(run.internal).toEqual([]);
  });

  it("gives up after retry.max_attempts sends without headers, as idle_timeout", async () => {
    const run = await drive([
      { answer: "hangHeaders" },
      { answer: "hangHeaders" },
      { answer: "hangHeaders" },
    ]);
    expect(run.completed).toMatchObject({
      status: "failed",
      error: { code: "idle_timeout" },
      metrics: { attempts: 3 },
    });
    expect(run.completed.error?.message).toContain("Gave up after 3 attempt(s)");
    expect(run.retries.map((retry) => retry.mode)).toEqual(["resend", "resend"]);
    expect(run.upstream.aborts).toBe(3);
    expect(run.internal).toEqual([]);
  });

  it("resumes again after the same seq_id when a resume's headers never come", async () => {
    const run = await drive([
      { steps: [{ ping: true, runId: "run-7", seq: 1 }, { text: "Half ", seq: 2 }, { drop: true }] },
      { answer: "hangHeaders" },
      { steps: [{ text: "and half.", seq: 3 }, { stop: "end_turn" }, { usage: 4 }] },
    ]);
    expect(run.completed).toMatchObject({ status: "completed", metrics: { attempts: 3 } });
    expect(run.text).toBe("Half and half.");
    expect(run.retries).toEqual([
      { attempt: 2, mode: "resume", reason: "upstream_disconnected", resume_after: 2 },
      { attempt: 3, mode: "resume", reason: "idle_timeout", resume_after: 2 },
    ]);
    expect(run.upstream.requests.slice(1)).toEqual([
      { mode: "resume", agentId: AGENT, lettaRunId: "run-7", startingAfter: 2 },
      { mode: "resume", agentId: AGENT, lettaRunId: "run-7", startingAfter: 2 },
    ]);
  });

  it("ends cancelled, not failed, when cancelled while waiting for headers; Letta had nothing to cancel", async () => {
    const run = await drive([{ answer: "hangHeaders" }], {}, { stopAt: 300 });
    expect(run.completed).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    expect(run.retries).toEqual([]);
    expect(run.upstream.cancels).toEqual([]);
  });

  it("ends timed_out when the deadline passes while waiting for headers", async () => {
    const run = await drive([{ answer: "hangHeaders" }], { idle_timeout_ms: 60_000 }, { deadlineMs: 2_000 });
    expect(run.completed).toMatchObject({ status: "timed_out", error: { code: "deadline_exceeded" } });
    expect(run.upstream.requests).toHaveLength(1);
  });
});

describe("runAgent: our own abort arriving as a foreign error", () => {
  it("reports a silent stream as idle_timeout even when the abort surfaces as undici's `terminated`", async () => {
    const run = await drive([
      {
        steps: [{ ping: true, runId: "run-1", seq: 1 }, { text: "Hi", seq: 2 }, { hang: true }],
        onAbort: "throws",
      },
      { steps: [{ text: " there.", seq: 3 }, { stop: "end_turn" }] },
    ]);
    expect(run.retries).toEqual([{ attempt: 2, mode: "resume", reason: "idle_timeout", resume_after: 2 }]);
    expect(run.completed).toMatchObject({ status: "completed" });
    expect(run.text).toBe("Hi there.");
  });

  it("fails a silent foreground stream as idle_timeout without re-sending, whichever way the abort surfaces", async () => {
    for (const onAbort of ["quiet", "throws"] as const) {
      const run = await drive(
        [{ steps: [{ ping: true, runId: "run-1" }, { text: "Hi" }, { hang: true }], onAbort }],
        { background: false },
      );
      expect(run.completed).toMatchObject({ status: "failed", error: { code: "idle_timeout" } });
      expect(run.completed.error?.message).toContain("the request was not in background mode");
      expect(run.upstream.requests).toHaveLength(1);
    }
  });

  it("says why a stream that opened and then stalled cannot be resumed in background mode", async () => {
    const run = await drive([{ steps: [{ hang: true }] }], { background: true });
    expect(run.completed).toMatchObject({ status: "failed", error: { code: "idle_timeout" } });
    expect(run.completed.error?.message).toContain("Letta had not named its run yet");
    expect(run.completed.error?.message).not.toContain("no background mode");
    expect(run.upstream.requests).toHaveLength(1);
  });
});

describe("runAgent: a finished answer is finished", () => {
  it("completes with the stop reason when the stream resets after stop_reason and usage", async () => {
    const run = await drive([{ steps: [...answer("Done."), { drop: true }] }]);
    expect(run.completed).toMatchObject({
      status: "completed",
      stop_reason: "end_turn",
      metrics: { attempts: 1 },
    });
    expect(run.retries).toEqual([]);
    expect(run.text).toBe("Done.");
    expect(run.upstream.requests).toHaveLength(1);
  });

  it("completes at the idle timeout, not as idle_timeout, when the body never closes after the stop reason", async () => {
    const run = await drive([{ steps: [...answer("Done."), { hang: true }], onAbort: "throws" }]);
    expect(run.completed).toMatchObject({ status: "completed", stop_reason: "end_turn" });
    expect(run.retries).toEqual([]);
    expect(run.upstream.requests).toHaveLength(1);
  });

  it("keeps Letta's error verdict when the error event follows the stop reason", async () => {
    const run = await drive([
      { steps: [{ ping: true, runId: "run-1", seq: 1 }, { stop: "llm_api_error" }, { error: "LLM down" }] },
    ]);
    expect(run.completed).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(run.completed.error?.message).toContain("LLM down");
  });

  it("still resumes a stream that broke before its stop reason", async () => {
    const run = await drive([
      { steps: [{ ping: true, runId: "run-1", seq: 1 }, { text: "A", seq: 2 }, { drop: true }] },
      { steps: [{ text: "B", seq: 3 }, { stop: "end_turn" }] },
    ]);
    expect(run.retries.map((retry) => retry.mode)).toEqual(["resume"]);
    expect(run.text).toBe("AB");
  });
});

describe("runAgent: internal errors are never silent", () => {
  it("ends the agent as internal, reports the cause once, and names where to look", async () => {
    const bug = new RangeError("a bug of ours");
    const run = await drive([{ steps: [{ ping: true, runId: "run-1" }, { throws: bug }] }]);
    expect(run.completed).toMatchObject({ status: "failed", error: { code: "internal" } });
    expect(run.completed.error?.message).toContain("service log");
    expect(run.internal).toEqual([{ agentId: AGENT, cause: bug }]);
    expect(run.retries).toEqual([]);
  });

  it("does not report upstream failures as internal", async () => {
    const refuse = new UpstreamFailure("agent_not_found", "Letta has no agent (HTTP 404).", {
      retryable: false,
    });
    const run = await drive([{ answer: { refuse } }]);
    expect(run.completed).toMatchObject({ status: "failed", error: { code: "agent_not_found" } });
    expect(run.internal).toEqual([]);
  });
});

describe("runAgent: refusals before the stream opens", () => {
  it("fails as upstream_rate_limited when Retry-After would pass the deadline, without waiting", async () => {
    const refuse = new UpstreamFailure("upstream_rate_limited", "Letta is rate limiting (HTTP 429).", {
      retryable: true,
      retryAfterMs: 10_000,
    });
    const run = await drive([{ answer: { refuse } }], {}, { deadlineMs: 5_000 });
    expect(run.completed).toMatchObject({ status: "failed", error: { code: "upstream_rate_limited" } });
    expect(run.upstream.requests).toHaveLength(1);
  });

  it("falls back to foreground after a background 503 without counting an attempt", async () => {
    const refuse = new UpstreamFailure("upstream_unavailable", "Letta answered HTTP 503.", {
      retryable: true,
      backgroundUnavailable: true,
    });
    const run = await drive([{ answer: { refuse } }, { steps: answer("Fine.") }]);
    expect(run.completed).toMatchObject({ status: "completed", metrics: { attempts: 1 } });
    expect(run.retries).toEqual([]);
    expect(run.upstream.requests.map((request) => request.mode === "send" && request.background)).toEqual([
      true,
      false,
    ]);
  });
});

describe("runAgent: conversations and otids (API.md §4)", () => {
  const busy = () =>
    new UpstreamFailure(
      "conversation_busy",
      "Another request is talking to this Letta conversation (HTTP 409).",
      {
        retryable: true,
      },
    );

  it("sends every resend of a message that Letta never accepted with the same otid, in its conversation", async () => {
    const run = await drive([
      { answer: "hangHeaders" },
      { answer: "hangHeaders" },
      { steps: answer("Once.") },
    ]);
    expect(run.completed).toMatchObject({ status: "completed", metrics: { attempts: 3 } });
    const sends = run.upstream.requests.flatMap((request) => (request.mode === "send" ? [request] : []));
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((send) => send.otid)).size).toBe(1);
    expect(sends[0]?.otid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sends.map((send) => send.conversationId)).toEqual(["default", "default", "default"]);
  });

  it("gives a deliberate second send after Letta accepted (resend_after_accept) a new otid", async () => {
    const run = await drive(
      [{ steps: [{ text: "Half ", seq: 2 }, { drop: true }] }, { steps: answer("Whole.") }],
      { background: false, retry: { resend_after_accept: true } },
    );
    expect(run.completed).toMatchObject({ status: "completed" });
    const sends = run.upstream.requests.flatMap((request) => (request.mode === "send" ? [request] : []));
    expect(sends).toHaveLength(2);
    expect(sends[0]?.otid).not.toBe(sends[1]?.otid);
  });

  it("waits out a busy conversation (409) past retry.max_attempts, as agent.retry conversation_busy", async () => {
    const run = await drive([
      { answer: { refuse: busy() } },
      { answer: { refuse: busy() } },
      { answer: { refuse: busy() } },
      { answer: { refuse: busy() } },
      { steps: answer("Finally.") },
    ]);
    expect(run.completed).toMatchObject({ status: "completed", metrics: { attempts: 5 } });
    expect(run.text).toBe("Finally.");
    expect(run.retries.map((retry) => `${retry.reason}/${retry.mode}`)).toEqual([
      "conversation_busy/resend",
      "conversation_busy/resend",
      "conversation_busy/resend",
      "conversation_busy/resend",
    ]);
  });

  it("ends timed_out, not failed, when the conversation stays busy until the deadline", async () => {
    const run = await drive(() => ({ answer: { refuse: busy() } }), {}, { deadlineMs: 2_000 });
    expect(run.completed).toMatchObject({ status: "timed_out", error: { code: "deadline_exceeded" } });
    expect(run.upstream.requests.length).toBeGreaterThan(3);
  });
});
