import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import Letta from "@letta-ai/letta-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeLettaStream } from "../../src/upstream/letta/decode-letta-stream.js";
import { guardedFetch } from "../../src/upstream/letta/guarded-fetch.js";
import { nodeHttpFetch } from "../../src/upstream/letta/node-http-fetch.js";
import { comparable, type Outcome } from "./sse-differential.js";

// The transport under the SDK: nodeHttpFetch (node:http, keep-alive) against the platform's
// fetch (undici), with the SDK and guardedFetch on top of each, on one scripted server. Every
// call must give the same result or the same typed error, and the server must see the same
// request (but for the headers undici adds of its own, listed below).

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let base = "";
let handler: Handler = (_request, response) => response.end();
const seen: Seen[] = [];
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((request, response) => {
    sockets.add(request.socket);
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const transports = { undici: () => fetch, "node:http": () => nodeHttpFetch() } as const;

function client(transport: keyof typeof transports, extra: { timeout?: number; baseURL?: string } = {}) {
  return new Letta({
    baseURL: extra.baseURL ?? base,
    apiKey: "sk-test-key-123",
    maxRetries: 0,
    logLevel: "off",
    timeout: extra.timeout ?? 5_000,
    fetch: guardedFetch({ maxEventBytes: 1 << 20, scrub: (text) => text }, transports[transport]()),
  });
}

/** What a call gave: its value, or its error as class, message, status, body and cause's name. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (error) {
    if (!(error instanceof Error)) return { thrown: error };
    const api = error as Error & { status?: unknown; error?: unknown; headers?: Headers };
    return {
      class: error.constructor.name,
      message: error.message,
      status: api.status,
      body: api.error,
      retryAfter: api.headers?.get("retry-after") ?? undefined,
    };
  }
}

/** The Date header of the scripted SSE answers (one second apart would differ). */
const FIXED_DATE = "Mon, 01 Jan 2024 00:00:00 GMT";

/** Headers undici's fetch adds of its own (the Fetch standard's), which node:http does not. */
const FETCH_ONLY = ["accept-language", "sec-fetch-mode"];

/** The same call through both transports: the same outcome and the same request seen. */
async function bothSame(call: (letta: Letta) => Promise<unknown>): Promise<unknown> {
  seen.length = 0;
  const viaUndici = await outcome(() => call(client("undici")));
  const viaNode = await outcome(() => call(client("node:http")));
  expect(viaNode).toEqual(viaUndici);
  if (seen.length === 2) {
    const [undiciRequest, nodeRequest] = seen.map(({ headers, ...rest }) => ({
      ...rest,
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !FETCH_ONLY.includes(name))),
    }));
    expect(nodeRequest).toEqual(undiciRequest);
  }
  return viaUndici;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };

describe("nodeHttpFetch under the SDK gives what fetch gives", () => {
  it("sends the same GET and returns the same JSON", async () => {
    handler = json(200, { id: "agent-1", name: "Poet ✓", tags: ["a"] });
    const result = await bothSame((letta) => letta.agents.retrieve("agent-1"));
    expect(result).toMatchObject({ value: { id: "agent-1" } });
  });

  it("sends the same POST body (content-type, content-length) and returns the same JSON", async () => {
    handler = json(200, { id: "conv-1", agent_id: "agent-1" });
    await bothSame((letta) => letta.conversations.create({ agent_id: "agent-1" }));
    expect(seen[1]?.headers["content-length"]).toBe(String(Buffer.byteLength(seen[1]?.body ?? "")));
  });

  it("decodes a gzip answer", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      response.end(gzipSync(JSON.stringify({ id: "agent-1", name: "zipped é" })));
    };
    expect(await bothSame((letta) => letta.agents.retrieve("agent-1"))).toMatchObject({
      value: { name: "zipped é" },
    });
  });

  for (const [status, body, headers] of [
    [404, { detail: "Agent agent-1 not found" }, {}],
    [409, { detail: "CONFLICT: Cannot send a new message: Another request is being processed" }, {}],
    [429, { detail: "slow down" }, { "retry-after": "7" }],
    [500, "Internal Server Error", { "content-type": "text/plain" }],
    [503, { detail: "Background streaming requires Redis" }, {}],
  ] as const) {
    it(`throws the same typed error for HTTP ${status}`, async () => {
      handler = json(status, body, headers);
      const result = await bothSame((letta) => letta.agents.retrieve("agent-1"));
      expect(result).toMatchObject({ status });
    });
  }

  it("fails the same way when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const call = (transport: keyof typeof transports) =>
      outcome(() => client(transport, { baseURL: `http://127.0.0.1:${port}` }).agents.retrieve("agent-1"));
    const viaUndici = await call("undici");
    expect(viaUndici).toMatchObject({ class: "APIConnectionError" });
    expect(await call("node:http")).toEqual(viaUndici);
  });

  it("times out the same way when the headers never come, and aborts the same way", async () => {
    handler = () => undefined;
    const timedOut = await bothSame((letta) => letta.agents.retrieve("agent-1", {}, { timeout: 100 }));
    expect(timedOut).toMatchObject({ class: "APIConnectionTimeoutError" });
    const aborted = await bothSame((letta) =>
      letta.agents.retrieve("agent-1", {}, { signal: AbortSignal.timeout(100) }),
    );
    expect(aborted).toMatchObject({ class: "APIUserAbortError" });
  });

  it("closes a connection idle in the pool, but not a quiet stream", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write('data: {"a":1}\n\n');
      setTimeout(() => response.end('data: {"a":2}\n\ndata: [DONE]\n\n'), 600);
    };
    const fetchNode = nodeHttpFetch({ keepAliveMs: 200 });
    const letta = new Letta({ baseURL: base, apiKey: "k", maxRetries: 0, logLevel: "off", fetch: fetchNode });
    const iterator = decodeLettaStream(await letta.runs.messages.stream("run-1").asResponse());
    const messages: unknown[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      messages.push(next.value);
    expect(messages).toEqual([{ a: 1 }, { a: 2 }]);
    const socket = [...sockets].at(-1) as import("node:net").Socket;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(socket.destroyed || socket.readyState === "closed" || socket.readyState === "writeOnly").toBe(
      true,
    );
  });

  it("keeps the connection alive from one request to the next", async () => {
    handler = json(200, { id: "agent-1" });
    const letta = client("node:http");
    sockets.clear();
    for (let index = 0; index < 4; index++) await letta.agents.retrieve("agent-1");
    expect(sockets.size).toBe(1);
  });
});

describe("nodeHttpFetch under decodeLettaStream gives what fetch gives", () => {
  const events = [
    `data: {"message_type":"ping","run_id":"run-1","seq_id":null}\n\n`,
    ...Array.from(
      { length: 50 },
      (_, n) => `data: {"message_type":"assistant_message","otid":"o-1","content":"piece ${n} é ✓ 😀"}\n\n`,
    ),
  ];

  /** Reads a stream call's response with our decoder, as the service does. */
  async function stream(letta: Letta, signal?: AbortSignal, readAfterMs = 0): Promise<Outcome> {
    const response = await letta.runs.messages.stream("run-1", {}, signal ? { signal } : {}).asResponse();
    if (readAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, readAfterMs));
    const iterator = decodeLettaStream(response);
    const messages: unknown[] = [];
    try {
      for (;;) {
        const result = await iterator.next();
        if (result.done) return { messages };
        messages.push(result.value);
      }
    } catch (error) {
      return { messages, error };
    }
  }

  const sse =
    (parts: readonly string[], end: "end" | "drop" | "hang" = "end"): Handler =>
    (_request, response) => {
      // A fixed date: the APIError of an `event: error` carries the headers, compared whole.
      response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", date: FIXED_DATE });
      // Cut across events and across the bytes of a multi-byte character.
      const bytes = Buffer.from(parts.join(""));
      for (let at = 0; at < bytes.length; at += 97) response.write(bytes.subarray(at, at + 97));
      if (end === "end") response.end();
      else if (end === "drop") setTimeout(() => response.socket?.destroy(), 20);
    };

  async function bothStreamSame(signal?: () => AbortSignal, readAfterMs = 0) {
    const viaUndici = await stream(client("undici"), signal?.(), readAfterMs);
    const viaNode = await stream(client("node:http"), signal?.(), readAfterMs);
    const drop = (outcome: Outcome) => {
      const error = outcome.error as Error | undefined;
      return error?.name === "TypeError" ? { ...outcome, error: `TypeError: ${error.message}` } : outcome;
    };
    expect(comparable(drop(viaNode))).toEqual(comparable(drop(viaUndici)));
    return viaUndici;
  }

  it("yields the same messages, to [DONE]", async () => {
    handler = sse([...events, "data: [DONE]\n\n"]);
    expect((await bothStreamSame()).messages).toHaveLength(51);
  });

  it("ends with the same APIError on event: error", async () => {
    handler = sse([...events, `event: error\ndata: {"message":"LLM down","error_type":"llm_error"}\n\n`]);
    expect((await bothStreamSame()).error).toBeInstanceOf(Error);
  });

  it("fails with the same error when the connection drops", async () => {
    handler = sse(events, "drop");
    const result = await bothStreamSame();
    expect(result.messages).toHaveLength(51);
    expect(String(result.error)).toBe("TypeError: terminated");
  });

  it("keeps what came before a drop that happened before the first read (fetch loses some)", async () => {
    handler = sse(events, "drop");
    const viaUndici = await stream(client("undici"), undefined, 200);
    const viaNode = await stream(client("node:http"), undefined, 200);
    expect(viaNode.messages).toHaveLength(51);
    expect(viaNode.messages.slice(0, viaUndici.messages.length)).toEqual(viaUndici.messages);
    expect(String(viaNode.error)).toBe(String(viaUndici.error));
    expect(String(viaNode.error)).toBe("TypeError: terminated");
  });

  it("ends quietly, as fetch does, when the signal aborts during the body", async () => {
    handler = sse(events, "hang");
    const result = await bothStreamSame(() => AbortSignal.timeout(150));
    expect(result).toEqual({ messages: expect.any(Array) as unknown });
    expect(result.messages).toHaveLength(51);
  });
});
