import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentEventDraft } from "../protocol/events.js";
import { DeltaCoalescer } from "./delta-coalescer.js";

const delta = (
  text: string,
  message_id = "m1",
  kind: "assistant" | "reasoning" = "assistant",
): AgentEventDraft => ({
  type: "agent.delta",
  agent_id: "a",
  message_id,
  kind,
  text,
});

describe("DeltaCoalescer", () => {
  afterEach(() => vi.useRealTimers());

  it("passes every event through unchanged when both limits are 0", () => {
    const out: AgentEventDraft[] = [];
    const coalescer = new DeltaCoalescer(0, 0, (event) => out.push(event));
    coalescer.push(delta("a"));
    coalescer.push(delta("b"));
    expect(out.map((event) => (event.type === "agent.delta" ? event.text : ""))).toEqual(["a", "b"]);
  });

  it("batches deltas of one message up to max_chars and never merges across messages or kinds", () => {
    const out: AgentEventDraft[] = [];
    const coalescer = new DeltaCoalescer(5, 1000, (event) => out.push(event));
    for (const text of ["ab", "cd", "ef", "g"]) coalescer.push(delta(text));
    coalescer.push(delta("R", "m1", "reasoning"));
    coalescer.push(delta("x", "m2"));
    coalescer.flush();
    expect(
      out.map((event) => (event.type === "agent.delta" ? [event.message_id, event.kind, event.text] : [])),
    ).toEqual([
      ["m1", "assistant", "abcd"],
      ["m1", "assistant", "efg"],
      ["m1", "reasoning", "R"],
      ["m2", "assistant", "x"],
    ]);
  });

  it("flushes a batch after max_delay_ms and before any other event", () => {
    vi.useFakeTimers();
    const out: AgentEventDraft[] = [];
    const coalescer = new DeltaCoalescer(0, 100, (event) => out.push(event));
    coalescer.push(delta("a"));
    coalescer.push(delta("b"));
    expect(out).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(out).toEqual([delta("ab")]);
    coalescer.push(delta("c"));
    coalescer.push({
      type: "agent.retry",
      agent_id: "a",
      attempt: 2,
      delay_ms: 0,
      reason: "x",
      mode: "resume",
    });
    expect(out.map((event) => event.type)).toEqual(["agent.delta", "agent.delta", "agent.retry"]);
  });
});
