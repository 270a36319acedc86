import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FanoutConfig } from "../../src/config/index.js";
import { createService } from "../../src/create-service.js";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startHarness, type Harness } from "../helpers/fanout-harness.js";
import { readEvents } from "../helpers/sse-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("health, readiness, metrics and panels", () => {
  it("is ready while Letta answers and not ready once it is gone", async () => {
    harness = await startHarness([scripted(1, "Hi.")]);
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    await harness.sim.close();
    const gone = await fetch(`${harness.url}/readyz`);
    expect(gone.status).toBe(503);
    expect(await gone.json()).toEqual({ status: "not_ready", upstream: "unreachable", store: "ok" });
  });

  it("names the failing dependency and its HTTP status in /readyz, never the upstream's text", async () => {
    // A Letta (or proxy) whose health check fails with a body quoting the request's credentials.
    const upstream = createServer((req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: `boom, you sent ${req.headers.authorization ?? ""}` }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    try {
      const service = createService({
        config: FanoutConfig.parse({}),
        baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        apiKey: API_KEY,
        authTokens: [],
        log: () => undefined,
      });
      const ready = await service.app.request("/readyz");
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "not_ready", upstream: "http_500", store: "ok" });
      await service.shutdown(0);
    } finally {
      upstream.close();
    }
  });

  it("counts runs, agent outcomes, retries and events in /metrics", async () => {
    harness = await startHarness([
      scripted(1, "Fine.", { faults: [{ kind: "status", status: 500 }] }),
      scripted(2, "Also fine."),
    ]);
    const events = await readEvents(
      await harness.stream({
        message: "hi",
        agent_ids: [agentId(1), agentId(2), agentId(3)],
        options: { agent_defaults: { retry: { initial_delay_ms: 1 } } },
      }),
    );
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    expect(text).toContain('fanout_runs_total{status="partial"} 1');
    expect(text).toContain('fanout_agent_streams_total{status="completed"} 2');
    expect(text).toContain('fanout_agent_streams_total{status="failed",code="agent_not_found"} 1');
    expect(text).toContain('fanout_retries_total{mode="resend",reason="upstream_unavailable"} 1');
    expect(text).toContain(`fanout_events_total ${events.length}`);
    expect(text).toContain("fanout_agent_duration_seconds_count 3");
  });

  it("sends CORS headers on event streams too, for the configured origins only", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { cors: { origins: ["https://dash.example"] } });
    const created = await harness.post("/v1/runs", { message: "hi", agent_ids: [agentId(1)] });
    const { run_id } = (await created.json()) as { run_id: string };
    const allowed = await fetch(`${harness.url}/v1/runs/${run_id}/events`, {
      headers: { origin: "https://dash.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dash.example");
    expect(allowed.headers.get("access-control-expose-headers")).toBe("X-Run-Id");
    await readEvents(allowed);
    const other = await fetch(`${harness.url}/v1/runs/${run_id}/events`, {
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    await readEvents(other);
  });

  it("lists the configured panels", async () => {
    harness = await startHarness([scripted(1, "Hi.")], {
      panels: { solo: { description: "One agent", agents: [{ id: agentId(1), label: "Solo" }] } },
    });
    expect(await (await fetch(`${harness.url}/v1/panels`)).json()).toEqual({
      panels: [{ name: "solo", description: "One agent", agents: [{ id: agentId(1), label: "Solo" }] }],
    });
    expect((await fetch(`${harness.url}/v1/panels/solo`)).status).toBe(200);
    expect((await fetch(`${harness.url}/v1/panels/none`)).status).toBe(404);
  });
});
