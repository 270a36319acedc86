import { afterEach, describe, expect, it } from "vitest";
import { createClient, FanoutError } from "../../src/client/index.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { waitFor } from "../helpers/wait-for.js";
import { recordingFetch } from "./recording-fetch.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The FanoutError a promise rejects with (fails the test if it resolves or throws another). */
async function failure(promise: Promise<unknown>): Promise<FanoutError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FanoutError);
  return error as FanoutError;
}

describe("typed errors (API.md §5)", () => {
  it("reports a 422 with the path of every bad field, and never starts the run", async () => {
    harness = await startHarness([scripted(1, "Never sent.")]);
    const client = createClient({ baseUrl: harness.url });
    const error = await failure(
      client.runs.create({
        message: "hi",
        agent_ids: [agentId(1)],
        options: { max_concurrency: 0, agent_defaults: { retry: { max_attempts: 0 } } },
      }),
    );
    expect(error).toMatchObject({ code: "validation_failed", status: 422, name: "FanoutError" });
    expect(error.details?.map((detail) => detail.path).sort()).toEqual([
      "options.agent_defaults.retry.max_attempts",
      "options.max_concurrency",
    ]);
    expect(harness.sim.record.requests().filter((request) => request.kind === "message")).toHaveLength(0);
  });

  it("reports an unknown run as not_found from get, cancel and events", async () => {
    harness = await startHarness([scripted(1, "Hi.")]);
    const client = createClient({ baseUrl: harness.url });
    for (const call of [client.runs.get("fr-nope"), client.runs.cancel("fr-nope")]) {
      expect(await failure(call)).toMatchObject({ code: "not_found", status: 404 });
    }
    const reading = (async () => {
      for await (const _event of client.runs.events("fr-nope")) expect.unreachable();
    })();
    expect(await failure(reading)).toMatchObject({ code: "not_found", status: 404 });
  });

  it("sends the token as a bearer header everywhere, and reports 401 without it", async () => {
    harness = await startHarness([scripted(1, "Authorized.")], { auth: { tokens: ["tok-abcdef"] } });
    const body = { message: "hi", agent_ids: [agentId(1)] };
    const anonymous = createClient({ baseUrl: harness.url });
    expect(await failure(anonymous.runs.create(body))).toMatchObject({ code: "unauthorized", status: 401 });
    const wrong = createClient({ baseUrl: harness.url, token: "wrong" });
    expect(await failure(wrong.panels.list())).toMatchObject({ code: "unauthorized", status: 401 });

    const recorder = recordingFetch();
    const client = createClient({ baseUrl: harness.url, token: "tok-abcdef", fetch: recorder.fetch });
    const run = await client.runs.create(body);
    for await (const _event of run) continue;
    const types = [];
    for await (const event of client.runs.events(run.runId)) types.push(event.type);
    expect(types.at(-1)).toBe("run.completed");
    expect((await client.runs.get(run.runId)).status).toBe("completed");
    expect(recorder.requests.map((request) => request.authorization)).toEqual([
      "Bearer tok-abcdef",
      "Bearer tok-abcdef",
      "Bearer tok-abcdef",
    ]);
  });

  it("reports 429 rate_limited with retryAfterSeconds", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { limits: { max_runs_per_minute: 1 } });
    const client = createClient({ baseUrl: harness.url });
    const run = await client.runs.create({ message: "one", agent_ids: [agentId(1)] });
    for await (const _event of run) continue;
    const error = await failure(client.runs.create({ message: "two", agent_ids: [agentId(1)] }));
    expect(error).toMatchObject({ code: "rate_limited", status: 429 });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("reports cursor_expired (410) for a cursor older than retention, without retrying", async () => {
    harness = await startHarness([scripted(1, "A few more words than eight events.")], {
      retention: { max_events_per_run: 4 },
    });
    const h = harness;
    const recorder = recordingFetch();
    const client = createClient({ baseUrl: h.url, fetch: recorder.fetch });
    const created = await h.post("/v1/runs", { message: "go", agent_ids: [agentId(1)] });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await waitFor(async () => (await client.runs.get(runId)).status === "completed", "run completed");
    const reading = (async () => {
      for await (const _event of client.runs.events(runId, { after: "1" })) continue;
    })();
    const error = await failure(reading);
    expect(error).toMatchObject({ code: "cursor_expired", status: 410 });
    expect(error.details?.[0]?.path).toBe("Last-Event-ID");
    expect(recorder.requests.filter((request) => request.url.endsWith("/events"))).toHaveLength(1);
  });

  it("reports network_error when the service cannot be reached", async () => {
    const client = createClient({ baseUrl: "http://127.0.0.1:9" });
    const error = await failure(client.panels.list());
    expect(error).toMatchObject({ code: "network_error", status: undefined });
    expect(error.cause).toBeInstanceOf(Error);
  });
});
