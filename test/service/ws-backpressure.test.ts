import { afterEach, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { HIGH_WATER_BYTES } from "../../src/http/ws-socket.js";
import { scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { destroyAllRawWs, openRawWs } from "../helpers/raw-ws.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  destroyAllRawWs();
  await harness?.close();
  harness = undefined;
});

/** What one frame read past the bound may add: its answer (a pong, ~240 bytes here), with room. */
const ONE_ANSWER = 4 * 1024;
const PINGS = 100_000;
/** The longest `request_id` allowed, so that each pong is as big as a pong gets. */
const ping = (n: number) => JSON.stringify({ type: "ping", request_id: `${n}:`.padEnd(200, "x") });

async function stalledSockets(h: Harness): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^fanout_ws_stalled_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** The service's end of the only open socket. */
const serverSocket = (h: Harness) =>
  waitFor(() => [...h.service.ws.server.clients][0], "the server's socket");

/** Watches the server's send buffer of `socket` until stopped: the largest it was, and whether it paused. */
function watchBuffer(socket: WebSocket) {
  const seen = { maxBuffered: 0, paused: false };
  const timer = setInterval(() => {
    seen.maxBuffered = Math.max(seen.maxBuffered, socket.bufferedAmount);
    seen.paused ||= socket.isPaused;
  }, 2);
  return { seen, stop: () => clearInterval(timer) };
}

describe("GET /v1/ws: a client that does not read", () => {
  it("stops reading a client that sends 100k pings and never reads: its buffer stays at the bound, then 1008 and /metrics", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { sse: { ping_interval_ms: 1_000 } });
    const h = harness;
    const client = await openRawWs(h.url);
    client.pause();
    client.sendTexts(Array.from({ length: PINGS }, (_, n) => ping(n)));
    const watch = watchBuffer(await serverSocket(h));
    try {
      await waitFor(async () => (await stalledSockets(h)) === 1, "the stalled socket to be counted", 10_000);
    } finally {
      watch.stop();
    }
    // Unbounded, the pongs of 100k pings are ~24 MB queued in the service.
    expect(watch.seen.maxBuffered).toBeGreaterThan(0);
    expect(watch.seen.maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + ONE_ANSWER);

    client.resume();
    await client.ended("the socket to close");
    expect(client.closeCode).toBe(1008);
    // It stopped reading the pings: those it never read got no pong.
    expect(client.received.get("pong")).toBeGreaterThan(0);
    expect(client.received.get("pong")).toBeLessThan(PINGS);
    await waitFor(() => h.service.ws.server.clients.size === 0, "the service to let go of the socket");
    expect(await stalledSockets(h)).toBe(1);
  }, 20_000);

  it("answers a flood of WebSocket ping frames within the same bound", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { sse: { ping_interval_ms: 1_000 } });
    const h = harness;
    const client = await openRawWs(h.url);
    client.pause();
    client.sendPings(Array.from({ length: PINGS }, () => Buffer.alloc(125, 1)));
    const watch = watchBuffer(await serverSocket(h));
    try {
      await waitFor(async () => (await stalledSockets(h)) === 1, "the stalled socket to be counted", 10_000);
    } finally {
      watch.stop();
    }
    expect(watch.seen.maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + ONE_ANSWER);
    client.resume();
    await client.ended("the socket to close");
    expect(client.closeCode).toBe(1008);
  }, 20_000);

  it("keeps a slow reader: every ping answered, the buffer bounded, no close", async () => {
    harness = await startHarness([scripted(1, "Hi.")], { sse: { ping_interval_ms: 1_000 } });
    const h = harness;
    const pings = 40_000;
    const client = await openRawWs(h.url);
    client.pause();
    client.sendTexts(Array.from({ length: pings }, (_, n) => ping(n)));
    const watch = watchBuffer(await serverSocket(h));
    // Reads for 50 ms in every 650: the service fills the socket and waits each time, but never
    // for a whole ping interval (1 s).
    const reader = setInterval(() => {
      client.resume();
      setTimeout(() => client.pause(), 50);
    }, 650);
    try {
      await waitFor(() => client.received.get("pong") === pings, "every pong", 15_000);
    } finally {
      clearInterval(reader);
      watch.stop();
    }
    expect(watch.seen.paused).toBe(true);
    expect(watch.seen.maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + ONE_ANSWER);
    expect(client.closeCode).toBeUndefined();
    expect(h.service.ws.server.clients.size).toBe(1);
    expect(await stalledSockets(h)).toBe(0);
  }, 20_000);
});
