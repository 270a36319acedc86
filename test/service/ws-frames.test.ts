import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { heldAgent, openWs, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

const held = heldAgent;

describe("GET /v1/ws: client frames", () => {
  it("answers each malformed frame with its error code and keeps the socket usable", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { limits: { max_body_bytes: 2048 } });
    const h = harness;
    const ws = await openWs(h.url);
    const errorAfter = async (send: () => void) => {
      const from = ws.frames.length;
      send();
      return ws.next((frame) => frame.type === "error", "an error frame", from);
    };

    expect(await errorAfter(() => ws.send("{not json"))).toMatchObject({ code: "invalid_json" });
    expect(await errorAfter(() => ws.socket.send(Buffer.from("{}"), { binary: true }))).toMatchObject({
      code: "unsupported_media_type",
    });
    expect(
      await errorAfter(() => ws.send({ type: "ping", request_id: "big", pad: "x".repeat(4096) })),
    ).toMatchObject({ code: "payload_too_large" });
    expect(await errorAfter(() => ws.send({ type: "explode", request_id: "t" }))).toMatchObject({
      code: "validation_failed",
      request_id: "t",
      details: [{ path: "type" }],
    });
    expect(await errorAfter(() => ws.send({ type: "subscribe", request_id: "s" }))).toMatchObject({
      code: "validation_failed",
      request_id: "s",
      details: [{ path: "run_id" }],
    });
    expect(await errorAfter(() => ws.send([1, 2]))).toMatchObject({ code: "validation_failed" });
    const badRun = await errorAfter(() =>
      ws.send({
        type: "run.create",
        request_id: "c",
        message: "go",
        agent_ids: [agentId(1)],
        options: { max_concurrency: 0 },
        colour: "blue",
      }),
    );
    expect(badRun).toMatchObject({ code: "validation_failed", request_id: "c" });
    expect((badRun.details as { path: string }[]).map((detail) => detail.path).sort()).toEqual([
      "colour",
      "options.max_concurrency",
    ]);
    expect(
      await errorAfter(() => ws.send({ type: "subscribe", run_id: "fr-nope", request_id: "n" })),
    ).toMatchObject({ code: "not_found", request_id: "n", run_id: "fr-nope" });
    expect(
      await errorAfter(() => ws.send({ type: "subscribe", run_id: "fr-x", after: "-1", request_id: "k" })),
    ).toMatchObject({ code: "validation_failed", details: [{ path: "after" }] });

    // Still open and still serving.
    ws.send({ type: "ping", request_id: "p" });
    expect(await ws.answer("p")).toMatchObject({ type: "pong" });
    ws.send({ type: "run.create", request_id: "ok", message: "go", agent_ids: [agentId(1)] });
    const runId = String((await ws.answer("ok")).run_id);
    expect(reassemble(await ws.completed(runId))).toEqual({ [agentId(1)]: "Hi." });
    expect(ws.socket.readyState).toBe(ws.socket.OPEN);
    expect(h.logs).toEqual([]);
  });

  it("shares the per-client run budget with POST /v1/runs: rate_limited with retry_after_s", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { limits: { max_runs_per_minute: 1 } });
    const h = harness;
    expect((await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] })).status).toBe(202);
    const ws = await openWs(h.url);
    ws.send({ type: "run.create", request_id: "late", message: "go", agent_ids: [agentId(1)] });
    const refused = await ws.answer("late");
    expect(refused).toMatchObject({ type: "error", code: "rate_limited", request_id: "late" });
    expect(refused.retry_after_s).toBeGreaterThan(0);
  });

  it("cancels a run with run.cancel, unsubscribes, and reports unknown agents", async () => {
    harness = await startHarness([held(1)]);
    const h = harness;
    const ws = await openWs(h.url);
    ws.send({ type: "run.create", request_id: "r", message: "go", agent_ids: [agentId(1)] });
    const runId = String((await ws.answer("r")).run_id);
    await waitFor(() => h.sim.record.openStreams() === 1, "upstream stream open");
    ws.send({ type: "run.cancel", run_id: runId, agent_ids: [agentId(9)], request_id: "bad" });
    expect(await ws.answer("bad")).toMatchObject({
      type: "error",
      code: "validation_failed",
      details: [{ path: "agent_ids.0" }],
    });
    ws.send({ type: "run.cancel", run_id: runId, request_id: "c" });
    expect(await ws.answer("c")).toMatchObject({ type: "run.cancelled", run_id: runId, status: "cancelled" });
    const events = await ws.completed(runId);
    expect(ofType(events, "run.completed")[0]?.status).toBe("cancelled");
    await waitFor(() => h.sim.record.openStreams() === 0, "upstream stream closed");
    expect(h.sim.record.requests(agentId(1)).filter((request) => request.kind === "cancel")).toHaveLength(1);
    ws.send({ type: "unsubscribe", run_id: runId, request_id: "u" });
    expect(await ws.answer("u")).toMatchObject({ type: "unsubscribed", run_id: runId });
  });
});
