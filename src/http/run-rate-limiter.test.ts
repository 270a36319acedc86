import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { RunRateLimiter } from "./run-rate-limiter.js";

/** A limiter on a clock the test moves by hand. */
function limiter(perMinute: number, maxClients?: number) {
  const clock = { now: 1_000_000 };
  const limit = new RunRateLimiter(perMinute, () => clock.now, maxClients);
  return { limit, clock, start: (client: string) => limit.reserve(client).commit() };
}

function refusal(reserve: () => unknown): AppError {
  try {
    reserve();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("RunRateLimiter", () => {
  it("allows max_runs_per_minute starts in a sliding minute, then 429 with the seconds until a slot frees", () => {
    const { limit, clock, start } = limiter(2);
    start("a");
    clock.now += 20_000;
    start("a");
    const refused = refusal(() => limit.reserve("a"));
    expect(refused).toMatchObject({ code: "rate_limited", status: 429, extra: { retryAfterSeconds: 40 } });
    start("b"); // another client has its own budget
    clock.now += 40_000; // the first start leaves the window
    start("a");
    expect(refusal(() => limit.reserve("a")).extra.retryAfterSeconds).toBe(20);
  });

  it("spends nothing for a slot that is released (the run never started)", () => {
    const { limit, start } = limiter(1);
    for (let i = 0; i < 5; i++) limit.reserve("a").release();
    start("a");
    expect(refusal(() => limit.reserve("a")).code).toBe("rate_limited");
  });

  it("holds budget while a run is being planned, so concurrent requests cannot overshoot", () => {
    const { limit } = limiter(2);
    const first = limit.reserve("a");
    const second = limit.reserve("a");
    expect(refusal(() => limit.reserve("a"))).toMatchObject({
      code: "rate_limited",
      extra: { retryAfterSeconds: 1 },
    });
    first.release();
    second.commit();
    second.release(); // no-op after commit
    limit.reserve("a").commit();
    expect(refusal(() => limit.reserve("a")).code).toBe("rate_limited");
  });

  it("forgets clients whose window is empty", () => {
    const { limit, clock, start } = limiter(5);
    for (let i = 0; i < 100; i++) start(`client-${i}`);
    expect(limit.trackedClients).toBe(100);
    limit.reserve("refused-run").release();
    expect(limit.trackedClients).toBe(100);
    clock.now += 60_000;
    start("late");
    expect(limit.trackedClients).toBe(1);
  });

  it("at the cap refuses new clients with 503 until a window empties, and never frees a full budget", () => {
    const { limit, clock, start } = limiter(1, 3);
    start("a");
    clock.now += 10_000;
    start("b");
    start("c");
    const refused = refusal(() => limit.reserve("d"));
    expect(refused).toMatchObject({ code: "overloaded", status: 503, extra: { retryAfterSeconds: 50 } });
    // Crowding the table does not hand a tracked client a fresh budget.
    for (let i = 0; i < 10; i++) refusal(() => limit.reserve(`crowd-${i}`));
    expect(refusal(() => limit.reserve("a")).code).toBe("rate_limited");
    clock.now += 50_000; // a's window empties
    start("d");
    expect(refusal(() => limit.reserve("b")).code).toBe("rate_limited");
    expect(limit.trackedClients).toBe(3);
  });

  it("is off at 0", () => {
    const { limit, start } = limiter(0);
    for (let i = 0; i < 1000; i++) start("a");
    expect(limit.trackedClients).toBe(0);
  });
});
