import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { rawConnection } from "../helpers/raw-http.js";
import { ofType, reassemble } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { LONG_ANSWER, heldAgent, openWs, refusedStatus, terminateAllWs } from "../helpers/ws-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

const held = heldAgent;

/**
 * Sends a WebSocket upgrade of `GET /v1/ws` on a bare TCP connection and reads the refusal to
 * the end (the server closes the connection after it): its status, headers and body exactly as
 * sent, with no client library in between.
 */
async function rawRefusal(
  url: string,
  { query = "", headers = {} }: { query?: string; headers?: Record<string, string> } = {},
) {
  const connection = await rawConnection(url);
  const { host } = new URL(url);
  const lines = [
    `GET /v1/ws${query} HTTP/1.1`,
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  connection.socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  await waitFor(() => connection.socket.closed, "the server closed the refused connection");
  const text = await connection.closed;
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...headerLines] = text.slice(0, end < 0 ? text.length : end).split("\r\n");
  return {
    status: Number(statusLine.split(" ")[1]),
    headers: Object.fromEntries(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(":")).toLowerCase(),
        line.slice(line.indexOf(":") + 1).trim(),
      ]),
    ),
    body: end < 0 ? "" : text.slice(end + 4),
  };
}

describe("GET /v1/ws: connections", () => {
  it("cancels the runs a socket owns when it disconnects with on_disconnect cancel", async () => {
    harness = await startHarness([held(1), held(2)]);
    const h = harness;
    const ws = await openWs(h.url);
    ws.send({ type: "run.create", request_id: "r", message: "go", agent_ids: [agentId(1), agentId(2)] });
    const runId = String((await ws.answer("r")).run_id);
    await waitFor(() => h.sim.record.openStreams() === 2, "both upstream streams open");
    ws.socket.terminate();
    await waitFor(() => h.sim.record.openStreams() === 0, "upstream streams closed after disconnect");
    for (const id of [agentId(1), agentId(2)]) {
      expect(h.sim.record.streams(id).every((stream) => stream.closedByClient)).toBe(true);
      await waitFor(
        () => h.sim.record.requests(id).some((request) => request.kind === "cancel"),
        `Letta cancel called for ${id}`,
      );
    }
    const snapshot = await waitFor(async () => {
      const body = (await (await fetch(`${h.url}/v1/runs/${runId}`)).json()) as { status: string };
      return body.status !== "running" && body;
    }, "run ended");
    expect(snapshot.status).toBe("cancelled");
  });

  it("lets a run with on_disconnect continue finish after its socket left", async () => {
    harness = await startHarness([held(1)]);
    const h = harness;
    const ws = await openWs(h.url);
    ws.send({
      type: "run.create",
      request_id: "r",
      message: "go",
      agent_ids: [agentId(1)],
      options: { on_disconnect: "continue" },
    });
    const runId = String((await ws.answer("r")).run_id);
    await waitFor(() => h.sim.record.openStreams() === 1, "upstream stream open");
    await ws.close();
    h.sim.release(agentId(1));
    const reader = await openWs(h.url);
    reader.send({ type: "subscribe", run_id: runId });
    const events = await reader.completed(runId);
    expect(ofType(events, "run.completed")[0]?.status).toBe("completed");
    expect(reassemble(events)).toEqual({ [agentId(1)]: LONG_ANSWER });
    expect(h.sim.record.requests(agentId(1)).some((request) => request.kind === "cancel")).toBe(false);
  });

  it("counts subscriptions toward limits.max_readers: overloaded frames past it, 503 before the upgrade", async () => {
    harness = await startHarness([held(1), held(2)], { limits: { max_readers: 1 } });
    const h = harness;
    const ws = await openWs(h.url);
    ws.send({ type: "run.create", request_id: "one", message: "go", agent_ids: [agentId(1)] });
    expect(await ws.answer("one")).toMatchObject({ type: "run.created" });
    ws.send({ type: "run.create", request_id: "two", message: "go", agent_ids: [agentId(2)] });
    expect(await ws.answer("two")).toMatchObject({ type: "error", code: "overloaded", retry_after_s: 1 });
    expect(await refusedStatus(h.url)).toBe(503);
    expect((await fetch(`${h.url}/v1/events`)).status).toBe(503);
    // Only the first run was started.
    expect(h.sim.record.requests(agentId(2))).toEqual([]);
  });

  it("refuses an upgrade without a token with HTTP 401 and accepts ?access_token= or a bearer header", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { auth: { tokens: ["tok-123"] } });
    const h = harness;
    expect(await refusedStatus(h.url)).toBe(401);
    expect(await refusedStatus(h.url, "?access_token=wrong")).toBe(401);
    const byQuery = await openWs(h.url, { query: "?access_token=tok-123" });
    byQuery.send({ type: "run.create", request_id: "q", message: "go", agent_ids: [agentId(1)] });
    const runId = String((await byQuery.answer("q")).run_id);
    expect(reassemble(await byQuery.completed(runId))).toEqual({ [agentId(1)]: "Hi." });
    const byHeader = await openWs(h.url, { token: "tok-123" });
    byHeader.send({ type: "ping", request_id: "p" });
    expect(await byHeader.answer("p")).toMatchObject({ type: "pong" });
  });

  it("refuses an upgrade with a missing or wrong token with 401 unauthorized and its JSON body, never echoing the token", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { auth: { tokens: ["tok-123"] } });
    const h = harness;
    const presented = "wrong-token-4f1c9e";
    for (const attempt of [
      {},
      { query: `?access_token=${presented}` },
      { headers: { Authorization: `Bearer ${presented}` } },
    ]) {
      const refused = await rawRefusal(h.url, attempt);
      expect(refused.status, JSON.stringify(attempt)).toBe(401);
      expect(refused.headers["content-type"]).toBe("application/json");
      expect(Number(refused.headers["content-length"])).toBe(Buffer.byteLength(refused.body));
      const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
      expect(body).toEqual({ error: { code: "unauthorized", message: expect.any(String) as string } });
      expect(body.error.message).toContain("access token");
      expect(refused.body).not.toContain(presented);
      expect(refused.body).not.toContain("tok-123");
    }
    expect(h.service.ws.server.clients.size).toBe(0);
  });

  it("answers a plain GET with 426 and ends open sockets with shutting_down and close code 1001", async () => {
    harness = await startHarness([scripted(1, "Hi.")]);
    const h = harness;
    const plain = await fetch(`${h.url}/v1/ws`);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: { code: "upgrade_required" } });
    const ws = await openWs(h.url);
    await h.service.shutdown(0);
    expect(await ws.next((frame) => frame.type === "error", "shutting_down")).toMatchObject({
      code: "shutting_down",
    });
    await waitFor(() => ws.closeCode, "close frame");
    expect(ws.closeCode).toBe(1001);
  });
});
