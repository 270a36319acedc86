import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";

// Upstreams that misbehave in ways the wire allows, end to end: the service, the official SDK
// and the simulator's scripted faults, over real sockets.

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LONG = Array.from({ length: 300 }, (_, n) => `word${n}`).join(" ");
const fast = { retry: { initial_delay_ms: 1, max_delay_ms: 5 } };

async function run(body: object) {
  if (!harness) throw new Error("no harness");
  const events = await readEvents(await harness.stream({ message: "go", agent_ids: [agentId(1)], ...body }));
  return { events, completed: ofType(events, "agent.completed")[0], retries: ofType(events, "agent.retry") };
}

const requests = (kind: "message" | "resume") =>
  harness?.sim.record.requests(agentId(1)).filter((request) => request.kind === kind) ?? [];

describe("Letta accepts the connection but sends no headers", () => {
  it("re-sends the message as idle_timeout when the first request's headers never come", async () => {
    harness = await startHarness([
      scripted(1, LONG, { faults: [{ kind: "slow_headers", delay_ms: 60_000 }] }),
    ]);
    const { events, completed, retries } = await run({
      options: { agent_defaults: { ...fast, idle_timeout_ms: 300 } },
    });
    expect(retries).toMatchObject([{ attempt: 2, mode: "resend", reason: "idle_timeout" }]);
    expect(completed).toMatchObject({
      status: "completed",
      stop_reason: "end_turn",
      metrics: { attempts: 2 },
    });
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    expect(requests("message")).toHaveLength(2);
    expect(harness.logs.filter((line) => line.includes("internal"))).toEqual([]);
  });

  it("resumes again after the same seq_id when a resume's headers never come", async () => {
    harness = await startHarness([
      scripted(1, LONG, {
        faults: [
          { kind: "drop", after_events: 20 },
          { kind: "slow_headers", on: "resume", delay_ms: 60_000 },
        ],
      }),
    ]);
    const { events, completed, retries } = await run({
      options: { agent_defaults: { ...fast, idle_timeout_ms: 300 } },
    });
    expect(retries).toMatchObject([
      { attempt: 2, mode: "resume", reason: "upstream_disconnected" },
      { attempt: 3, mode: "resume", reason: "idle_timeout" },
    ]);
    expect(retries[1]?.resume_after).toBe(retries[0]?.resume_after);
    expect(completed).toMatchObject({ status: "completed", metrics: { attempts: 3 } });
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    expect(requests("message")).toHaveLength(1);
    expect(requests("resume").map((request) => request.body)).toEqual([
      { starting_after: retries[0]?.resume_after, include_pings: true },
      { starting_after: retries[0]?.resume_after, include_pings: true },
    ]);
  });
});

describe("SSE framing other than Letta's LF", () => {
  for (const line_ending of ["crlf", "cr", "mixed"] as const) {
    it(`reads a ${line_ending}-framed stream far longer than max_upstream_event_bytes to its end`, async () => {
      harness = await startHarness(
        [scripted(1, LONG, { faults: [{ kind: "framing", line_ending, times: "always" }] })],
        { limits: { max_upstream_event_bytes: 4_096 } },
      );
      const { events, completed } = await run({});
      expect(completed).toMatchObject({
        status: "completed",
        stop_reason: "end_turn",
        metrics: { attempts: 1 },
      });
      expect(reassemble(events)[agentId(1)]).toBe(LONG);
      const stream = harness.sim.record.streams(agentId(1))[0];
      expect(stream?.eventsWritten).toBeGreaterThan(300);
    });
  }
});

describe("a finished answer is finished", () => {
  for (const background of [true, false]) {
    it(`completes a ${background ? "background" : "foreground"} stream reset after stop_reason and usage, without resuming`, async () => {
      harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "reset_before_done" }] })]);
      const { events, completed, retries } = await run({
        options: { agent_defaults: { ...fast, background } },
      });
      expect(harness.sim.record.streams(agentId(1))[0]?.droppedByFault).toBe(true);
      expect(completed).toMatchObject({
        status: "completed",
        stop_reason: "end_turn",
        metrics: { attempts: 1 },
      });
      expect(ofType(events, "agent.usage")).toHaveLength(1);
      expect(retries).toEqual([]);
      expect(reassemble(events)[agentId(1)]).toBe(LONG);
      expect(requests("message")).toHaveLength(1);
      expect(requests("resume")).toHaveLength(0);
    });
  }

  it("completes a stream that sends [DONE] and never closes, long before the idle timeout, and lets go of it", async () => {
    harness = await startHarness([scripted(1, LONG, { faults: [{ kind: "linger_after_done" }] })]);
    // The test's own 20 s limit is far below the idle timeout: waiting for it would fail the test.
    const { events, completed, retries } = await run({
      options: { agent_defaults: { idle_timeout_ms: 120_000 } },
    });
    expect(completed).toMatchObject({
      status: "completed",
      stop_reason: "end_turn",
      metrics: { attempts: 1 },
    });
    expect(retries).toEqual([]);
    expect(reassemble(events)[agentId(1)]).toBe(LONG);
    const sim = harness.sim;
    await waitFor(
      () => sim.record.streams(agentId(1))[0]?.closedByClient,
      "the lingering stream closed by the service",
    );
    expect(requests("resume")).toHaveLength(0);
  });
});
