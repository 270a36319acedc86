import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { openWs, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

const body = { message: "hi", agent_ids: [agentId(1)] };

/** The status of each response, in order, reading every body so sockets are reused. */
async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  const result: number[] = [];
  for (const response of responses) {
    const answered = await response;
    await answered.body?.cancel();
    result.push(answered.status);
  }
  return result;
}

describe("limits.max_runs_per_minute", () => {
  it("keys the budget on the token auth accepted, however the Authorization header is spelled", async () => {
    harness = await startHarness([scripted(1, "Hi.")], {
      auth: { tokens: ["tok-one", "tok-two"] },
      limits: { max_runs_per_minute: 1 },
    });
    const h = harness;
    const as = (authorization: string) => h.post("/v1/runs", body, { authorization });
    expect(await statuses([as("Bearer tok-one")])).toEqual([202]);
    expect(await statuses([as("Bearer  tok-one"), as("bearer tok-one"), as("BEARER \t tok-one ")])).toEqual([
      429, 429, 429,
    ]);
    // The same token on a WebSocket (?access_token=) is the same client.
    const ws = await openWs(h.url, { query: "?access_token=tok-one" });
    ws.send({ type: "run.create", request_id: "r", ...body });
    expect(await ws.answer("r")).toMatchObject({ type: "error", code: "rate_limited" });
    // Another token is another client.
    expect(await statuses([as("bearer   tok-two")])).toEqual([202]);
  });

  it("ignores bearer tokens when auth is off: made-up tokens buy no fresh budget", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { limits: { max_runs_per_minute: 1 } });
    const h = harness;
    expect(await statuses([h.post("/v1/runs", body)])).toEqual([202]);
    const madeUp = [1, 2, 3].map((n) => h.post("/v1/runs", body, { authorization: `Bearer made-up-${n}` }));
    expect(await statuses(madeUp)).toEqual([429, 429, 429]);
  });

  it("spends budget only on runs that start: 400, 404, 413, 415, 422 and 503 spend none", async () => {
    harness = await startHarness(
      [scripted(1, "Held.", { faults: [{ kind: "hold", after_events: 1 }] }), scripted(2, "Hi.")],
      { limits: { max_runs_per_minute: 2, max_active_runs: 1, max_body_bytes: 2048 } },
    );
    const h = harness;
    const refused = () => [
      h.post("/v1/runs", "{not json"),
      h.post("/v1/panels/nope/runs", { message: "hi" }),
      h.post("/v1/runs", { ...body, message: "x".repeat(5000) }),
      fetch(`${h.url}/v1/runs`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" }),
      h.post("/v1/runs", { ...body, agent_ids: ["agent-1"] }),
      h.post("/v1/runs", { message: "hi", panel: "nope" }),
    ];
    expect(await statuses([...refused(), ...refused()])).toEqual([
      400, 404, 413, 415, 422, 422, 400, 404, 413, 415, 422, 422,
    ]);

    const held = await h.post("/v1/runs", body);
    expect(held.status).toBe(202);
    const { run_id } = (await held.json()) as { run_id: string };
    // max_active_runs is reached: 503, which spends nothing either.
    expect(
      await statuses([1, 2, 3].map(() => h.post("/v1/runs", { message: "hi", agent_ids: [agentId(2)] }))),
    ).toEqual([503, 503, 503]);
    expect((await h.post(`/v1/runs/${run_id}/cancel`, {})).status).toBeLessThan(300);
    await expect.poll(() => h.service.runs.get(run_id), { timeout: 5_000 }).toBeUndefined();

    // The second run of the minute starts; the third is the first refusal.
    expect(await statuses([h.post("/v1/runs", { message: "hi", agent_ids: [agentId(2)] })])).toEqual([202]);
    const limited = await h.post("/v1/runs", body);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(h.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(2);
  });

  it("spends no budget on a WebSocket run.create that is refused", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { limits: { max_runs_per_minute: 1 } });
    const h = harness;
    const ws = await openWs(h.url);
    for (const [requestId, frame] of [
      ["a", { message: "hi", agent_ids: ["agent-1"] }],
      ["b", { message: "hi", panel: "nope" }],
      ["c", { message: "", agent_ids: [agentId(1)] }],
    ] as const) {
      ws.send({ type: "run.create", request_id: requestId, ...frame });
      expect(await ws.answer(requestId)).toMatchObject({ type: "error", code: "validation_failed" });
    }
    ws.send({ type: "run.create", request_id: "ok", ...body });
    expect(await ws.answer("ok")).toMatchObject({ type: "run.created" });
    ws.send({ type: "run.create", request_id: "late", ...body });
    expect(await ws.answer("late")).toMatchObject({ type: "error", code: "rate_limited" });
  });
});
