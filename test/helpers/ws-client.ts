import { expect } from "vitest";
import WebSocket from "ws";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { waitFor } from "./wait-for.js";
import { scripted } from "./agents.js";

/** A frame the server sent, parsed. */
export type WsFrame = Record<string, unknown> & { type: string };

/** A scripted answer long enough to be held mid-way (`hold` after 2 events). */
export const LONG_ANSWER =
  "Words that keep coming while the socket carries other runs, one after another after another.";

/** An agent answering LONG_ANSWER that holds after two events until `sim.release(agentId(n))`. */
export const heldAgent = (n: number) =>
  scripted(n, LONG_ANSWER, { faults: [{ kind: "hold", after_events: 2 }] });

/** Asserts a run's events are the whole log: seq 1..n in order, run.started first, run.completed last. */
export function expectWholeLog(events: readonly FanoutEvent[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events[0]?.type).toBe("run.started");
  expect(events.at(-1)?.type).toBe("run.completed");
}

/** A test's end of `GET /v1/ws`: records every frame; every wait has a deadline. */
export interface WsTestClient {
  socket: WebSocket;
  /** Every frame received so far, in arrival order. */
  frames: WsFrame[];
  /** The text of each frame exactly as received (same index as `frames`). */
  texts: string[];
  /** The close code, once the server closed the socket. */
  closeCode: number | undefined;
  send(frame: unknown): void;
  /** The first frame (from `from` on) that matches, waiting for it if needed. */
  next(match: (frame: WsFrame) => boolean, what: string, from?: number): Promise<WsFrame>;
  /** The answer to the frame sent with this `request_id`. */
  answer(requestId: string): Promise<WsFrame>;
  /** The run's events received so far, in arrival order. */
  events(runId: string): FanoutEvent[];
  /** Waits for the run's `run.completed` and returns its events in arrival order. */
  completed(runId: string, timeoutMs?: number): Promise<FanoutEvent[]>;
  close(): Promise<void>;
}

const opened = new Set<WebSocket>();

/** Drops every socket `openWs` opened (call in afterEach, before closing the harness). */
export function terminateAllWs(): void {
  for (const socket of opened) socket.terminate();
  opened.clear();
}

/**
 * Opens a WebSocket to the service at `url` (http://…), resolving once it is open. `query`
 * is appended to `/v1/ws` (e.g. `?access_token=…`); `token` is sent as a bearer header;
 * `origin` as the `Origin` header a browser would send (none by default, as from a CLI).
 */
export async function openWs(url: string, options: { query?: string; token?: string; origin?: string } = {}) {
  const target = `${url.replace(/^http/, "ws")}/v1/ws${options.query ?? ""}`;
  const socket = new WebSocket(target, {
    ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  opened.add(socket);
  const client: WsTestClient = {
    socket,
    frames: [],
    texts: [],
    closeCode: undefined,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next: (match, what, from = 0) => waitFor(() => client.frames.slice(from).find(match), what),
    answer: (requestId) =>
      client.next((frame) => frame.request_id === requestId, `the answer to ${requestId}`),
    events: (runId) =>
      client.frames.filter((frame) => frame.run_id === runId && "seq" in frame) as unknown as FanoutEvent[],
    async completed(runId, timeoutMs = 10_000) {
      await waitFor(
        () => client.frames.some((frame) => frame.run_id === runId && frame.type === "run.completed"),
        `run.completed of ${runId}`,
        timeoutMs,
      );
      return client.events(runId);
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close();
      await waitFor(() => socket.readyState === WebSocket.CLOSED, "socket closed");
    },
  };
  socket.on("message", (data, isBinary) => {
    if (isBinary) throw new Error("the server sent a binary frame");
    const text = (data as Buffer).toString("utf8");
    client.frames.push(JSON.parse(text) as WsFrame);
    client.texts.push(text);
  });
  socket.on("close", (code) => (client.closeCode = code));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("WebSocket did not open within 5 s")), 5_000);
    socket.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return client;
}

/** Tries to open a socket that the server should refuse; resolves with the HTTP status it answered. */
export function refusedStatus(url: string, query = ""): Promise<number> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/v1/ws${query}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer to the upgrade within 5 s")), 5_000);
    socket.once("unexpected-response", (_request, response) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    socket.once("error", () => undefined);
    socket.once("open", () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error("the upgrade was accepted"));
    });
  });
}

/** Tries an upgrade that the server should refuse; resolves with its HTTP status, headers and JSON body. */
export function refusedUpgrade(
  url: string,
  options: { origin?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const socket = new WebSocket(
    `${url.replace(/^http/, "ws")}/v1/ws`,
    options.origin === undefined ? {} : { origin: options.origin },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer to the upgrade within 5 s")), 5_000);
    socket.once("unexpected-response", (_request, response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text === "" ? undefined : (JSON.parse(text) as unknown),
        });
      });
    });
    socket.once("error", () => undefined);
    socket.once("open", () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error("the upgrade was accepted"));
    });
  });
}
