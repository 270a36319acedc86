import { afterEach, describe, expect, it } from "vitest";
import { scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { openWs, refusedUpgrade, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

const DASHBOARD = "https://dash.example.com";

/** Opens a socket with `origin` and proves it works: a ping gets its pong. */
async function pingPong(url: string, origin: string | undefined): Promise<void> {
  const ws = await openWs(url, origin === undefined ? {} : { origin });
  ws.send({ type: "ping", request_id: "p" });
  expect(await ws.answer("p")).toMatchObject({ type: "pong" });
  await ws.close();
}

describe("GET /v1/ws: Origin", () => {
  it("refuses an upgrade from a foreign origin with 403 forbidden and its JSON body, and opens no socket", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { cors: { origins: [DASHBOARD] } });
    const h = harness;
    const port = new URL(h.url).port;
    // Another site; the service's port on another host name; a sandboxed page.
    for (const origin of ["https://evil.example", `http://localhost:${port}`, "null"]) {
      const refused = await refusedUpgrade(h.url, { origin });
      expect(refused, origin).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    }
    expect(h.service.ws.server.clients.size).toBe(0);
    expect(h.service.ws.readers).toBe(0);
  });

  it("refuses foreign origins when cors.origins is empty, too", async () => {
    harness = await startHarness([scripted(1, "Hi.")]);
    expect(await refusedUpgrade(harness.url, { origin: DASHBOARD })).toMatchObject({
      status: 403,
      body: { error: { code: "forbidden" } },
    });
  });

  it("accepts the service's own origin, a configured origin, and a client that sends no Origin", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { cors: { origins: [DASHBOARD] } });
    for (const origin of [harness.url, DASHBOARD, undefined]) await pingPong(harness.url, origin);
  });

  it('accepts any origin when cors.origins is "*"', async () => {
    harness = await startHarness([scripted(1, "Hi.")], { cors: { origins: ["*"] } });
    await pingPong(harness.url, "https://anywhere.example");
  });

  it("answers an upgrade to a stopping instance with 503 overloaded, its JSON body and Retry-After", async () => {
    harness = await startHarness([scripted(1, "Hi.")]);
    await harness.service.shutdown(0);
    expect(await refusedUpgrade(harness.url)).toMatchObject({
      status: 503,
      headers: { "retry-after": "1", "content-type": "application/json" },
      body: { error: { code: "overloaded" } },
    });
  });
});
