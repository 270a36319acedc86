import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startHarness, type Harness } from "../helpers/fanout-harness.js";
import { readEvents } from "../helpers/sse-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body;
}

describe("errors before a stream starts (API.md §5)", () => {
  it("answers each bad request with its status and code, and never calls Letta", async () => {
    harness = await startHarness([scripted(1, "Never sent.")], {
      limits: { max_body_bytes: 2048 },
      panels: { solo: { agents: [{ id: agentId(1) }] } },
    });
    const h = harness;
    const valid = { message: "hi", agent_ids: [agentId(1)] };
    await expectError(await h.post("/v1/runs", "{not json"), 400, "invalid_json");
    await expectError(
      await fetch(`${h.url}/v1/runs`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "hi",
      }),
      415,
      "unsupported_media_type",
    );
    await expectError(
      await h.post("/v1/runs", { ...valid, message: "x".repeat(5000) }),
      413,
      "payload_too_large",
    );
    await expectError(await h.post("/v1/panels/nope/runs", { message: "hi" }), 404, "not_found");

    const cases: [object, string[]][] = [
      [{ ...valid, surprise: 1 }, ["surprise"]],
      [{ ...valid, message: "" }, ["message"]],
      [{ message: "hi" }, ["agent_ids"]],
      [{ ...valid, panel: "solo" }, ["panel"]],
      [{ ...valid, agent_ids: ["agent-1"] }, ["agent_ids.0"]],
      [{ ...valid, agent_ids: [agentId(1), agentId(1)] }, ["agent_ids"]],
      [
        { ...valid, options: { max_concurrency: 0, deadline_ms: "soon" } },
        ["options.max_concurrency", "options.deadline_ms"],
      ],
      [
        {
          ...valid,
          options: { agent_defaults: { retry: { max_attempts: 0 }, backpressure: { on_overflow: "drop" } } },
        },
        ["options.agent_defaults.retry.max_attempts", "options.agent_defaults.backpressure.on_overflow"],
      ],
      [{ ...valid, agents: { [agentId(2)]: { raw: true } } }, [`agents.${agentId(2)}`]],
      [{ ...valid, options: { complete_when: { first: 2 } } }, ["options.complete_when.first"]],
      [{ message: "hi", panel: "nope" }, ["panel"]],
    ];
    for (const [body, paths] of cases) {
      const error = await expectError(await h.post("/v1/runs", body), 422, "validation_failed");
      expect(error.error.details?.map((detail) => detail.path).sort()).toEqual([...paths].sort());
    }
    expect(h.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(0);
  });

  it("answers 429 rate_limited and 503 overloaded with Retry-After, before calling Letta", async () => {
    harness = await startHarness([scripted(1, "Held.", { faults: [{ kind: "hold", after_events: 1 }] })], {
      limits: { max_runs_per_minute: 1, max_active_runs: 1 },
      auth: { tokens: ["tok-first", "tok-second"] },
    });
    const h = harness;
    const body = { message: "hi", agent_ids: [agentId(1)] };
    expect((await h.post("/v1/runs", body, { authorization: "Bearer tok-first" })).status).toBe(202);
    const limited = await h.post("/v1/runs", body, { authorization: "Bearer tok-first" });
    await expectError(limited, 429, "rate_limited");
    const busy = await h.post("/v1/runs", body, { authorization: "Bearer tok-second" });
    await expectError(busy, 503, "overloaded");
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(h.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(1);
  });

  it("requires a bearer token when tokens are configured, also as ?access_token= on event streams", async () => {
    harness = await startHarness([scripted(1, "Authorized.")], { auth: { tokens: ["tok-abcdef"] } });
    const h = harness;
    const body = { message: "hi", agent_ids: [agentId(1)] };
    await expectError(await h.post("/v1/runs", body), 401, "unauthorized");
    await expectError(await h.post("/v1/runs", body, { authorization: "Bearer wrong" }), 401, "unauthorized");
    const created = await h.post("/v1/runs", body, { authorization: "Bearer tok-abcdef" });
    expect(created.status).toBe(202);
    const { run_id } = (await created.json()) as { run_id: string };
    await expectError(await fetch(`${h.url}/v1/runs/${run_id}`), 401, "unauthorized");
    expect((await fetch(`${h.url}/v1/runs/${run_id}?access_token=tok-abcdef`)).status).toBe(401);
    const events = await readEvents(await fetch(`${h.url}/v1/runs/${run_id}/events?access_token=tok-abcdef`));
    expect(events.at(-1)?.type).toBe("run.completed");
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it("never puts the Letta API key into events, error bodies or logs", async () => {
    harness = await startHarness([
      scripted(1, "ok", { faults: [{ kind: "status", status: 401, times: "always" }] }),
      scripted(2, "ok", { faults: [{ kind: "error", after_events: 1 }] }),
    ]);
    const response = await harness.stream({ message: "hi", agent_ids: [agentId(1), agentId(2), agentId(3)] });
    const text = await response.text();
    expect(text).toContain("upstream_error");
    expect(text).not.toContain(API_KEY);
    expect(harness.logs.join("\n")).not.toContain(API_KEY);
    // The key did reach Letta: the simulator requires it.
    expect(harness.sim.record.requests(agentId(2)).length).toBeGreaterThan(0);
  });

  it("treats names of Object.prototype like any unknown panel: 404 by path, 422 in a body", async () => {
    harness = await startHarness([scripted(1, "Never sent.")], {
      panels: { solo: { agents: [{ id: agentId(1) }] } },
    });
    const h = harness;
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      await expectError(await fetch(`${h.url}/v1/panels/${name}`), 404, "not_found");
      await expectError(await h.post(`/v1/panels/${name}/runs`, { message: "hi" }), 404, "not_found");
      const inBody = await expectError(
        await h.post("/v1/runs", { message: "hi", panel: name }),
        422,
        "validation_failed",
      );
      expect(inBody.error.details?.map((detail) => detail.path)).toEqual(["panel"]);
    }
    // An agent override keyed by a prototype name is no agent of the run, never a prototype lookup.
    for (const key of ["__proto__", "constructor", "toString"]) {
      const overrides = `{"message":"hi","agent_ids":["${agentId(1)}"],"agents":{"${key}":{"raw":true}}}`;
      const bad = await expectError(await h.post("/v1/runs", overrides), 422, "validation_failed");
      expect(bad.error.details?.map((detail) => detail.path)).toEqual([`agents.${key}`]);
    }
    expect((await fetch(`${h.url}/v1/panels/solo`)).status).toBe(200);
    expect(h.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(0);
  });

  it("refuses GET /v1/runs?after= naming a run it does not hold, instead of listing from the newest", async () => {
    harness = await startHarness([scripted(1, "One.")]);
    const h = harness;
    const created = await h.post("/v1/runs", { message: "hi", agent_ids: [agentId(1)] });
    const { run_id } = (await created.json()) as { run_id: string };
    expect((await fetch(`${h.url}/v1/runs?after=${run_id}`)).status).toBe(200);
    for (const after of ["fr-00000000-0000-4000-8000-000000000000", "nope", ""]) {
      const refused = await expectError(
        await fetch(`${h.url}/v1/runs?after=${after}`),
        422,
        "validation_failed",
      );
      expect(refused.error.details?.map((detail) => detail.path)).toEqual(["after"]);
      expect(refused.error.message).toContain("list again without after");
    }
  });
});
