import { afterEach, describe, expect, it } from "vitest";
import { createClient, FanoutError, type FanoutEvent } from "../../src/client/index.js";
import { agentId } from "../helpers/agents.js";
import { frame, sseHead, startScriptedSse, tinyRun, type ScriptedSseServer } from "./scripted-sse-server.js";

let server: ScriptedSseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const RUN = "fr-00000000-0000-4000-8000-000000000001";
const TEXTS = ["Hello", ", ", "wörld", " — fine", "."];
const EVENTS = tinyRun(RUN, agentId(1), TEXTS);

async function read(url: string, options: { after?: string; initialDelayMs?: number } = {}) {
  const client = createClient({ baseUrl: url, reconnect: { initialDelayMs: options.initialDelayMs ?? 1 } });
  const events: FanoutEvent[] = [];
  const stream = client.runs.events(RUN, options.after === undefined ? {} : { after: options.after });
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined, cursor: stream.lastCursor() };
  } catch (error) {
    return { events, error: error as FanoutError, cursor: stream.lastCursor() };
  }
}

const text = (events: readonly FanoutEvent[]) =>
  events.map((event) => (event.type === "agent.delta" ? event.text : "")).join("");

describe("the client's event stream against a scripted server", () => {
  it("parses CRLF frames written a few bytes at a time, with comments between them", async () => {
    server = await startScriptedSse((_request, response) => {
      sseHead(response);
      const bytes = Buffer.from(
        `: ping\r\n\r\n${EVENTS.map((event) => frame(event, "\r\n")).join(": ping\r\n\r\n")}`,
      );
      let at = 0;
      const timer = setInterval(() => {
        response.write(bytes.subarray(at, at + 7));
        at += 7;
        if (at >= bytes.length) {
          clearInterval(timer);
          response.end();
        }
      }, 0);
    });
    const { events, error } = await read(server.url);
    expect(error).toBeUndefined();
    expect(events).toEqual(EVENTS);
    expect(text(events)).toBe(TEXTS.join(""));
  });

  it("skips events it already yielded when a reconnect replays them", async () => {
    server = await startScriptedSse((_request, response, index) => {
      sseHead(response);
      if (index === 0) {
        response.write(
          EVENTS.slice(0, 4)
            .map((event) => frame(event))
            .join(""),
        );
        // A connection cut mid-frame: the half frame must not be yielded.
        response.write(frame(EVENTS[4] as FanoutEvent).slice(0, 20), () => response.destroy());
        return;
      }
      response.end(
        EVENTS.slice(1)
          .map((event) => frame(event))
          .join(""),
      );
    });
    const { events, error } = await read(server.url);
    expect(error).toBeUndefined();
    expect(events.map((event) => event.seq)).toEqual(EVENTS.map((event) => event.seq));
    expect(server.requests.map((request) => request.lastEventId)).toEqual([undefined, "4"]);
  });

  it("reconnects after the retry: hint of a shutting_down frame, with the last cursor", async () => {
    server = await startScriptedSse((_request, response, index) => {
      sseHead(response);
      if (index === 0) {
        const error = { type: "error", code: "shutting_down", message: "This instance is restarting." };
        response.end(
          `${frame(EVENTS[0] as FanoutEvent)}retry: 150\nevent: error\ndata: ${JSON.stringify(error)}\n\n`,
        );
        return;
      }
      response.end(
        EVENTS.slice(1)
          .map((event) => frame(event))
          .join(""),
      );
    });
    const { events, error } = await read(server.url);
    expect(error).toBeUndefined();
    expect(events).toEqual(EVENTS);
    const [first, second] = server.requests;
    expect(second?.lastEventId).toBe("1");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it("fails with sequence_gap when an event is missing, after yielding the ones before", async () => {
    server = await startScriptedSse((_request, response) => {
      sseHead(response);
      response.end([0, 1, 3].map((index) => frame(EVENTS[index] as FanoutEvent)).join(""));
    });
    const { events, error } = await read(server.url);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error?.code).toBe("sequence_gap");
  });

  it("fails with invalid_event for an event the protocol does not allow", async () => {
    const bad = [
      `id: 2\nevent: agent.delta\ndata: {"type":"agent.delta","run_id":"${RUN}","seq":2,"ts":1}\n\n`,
      `id: 2\nevent: agent.delta\ndata: {not json\n\n`,
      frame({ ...EVENTS[1], run_id: "fr-other" } as FanoutEvent),
      frame(EVENTS[1] as FanoutEvent).replace("event: agent.delta", "event: agent.usage"),
    ];
    for (const body of bad) {
      server = await startScriptedSse((_request, response) => {
        sseHead(response);
        response.end(frame(EVENTS[0] as FanoutEvent) + body);
      });
      const { events, error } = await read(server.url);
      expect(events).toHaveLength(1);
      expect(error).toMatchObject({ code: "invalid_event" });
      await server.close();
      server = undefined;
    }
  });

  it("turns reader error frames and a non-stream answer into FanoutErrors, without retrying", async () => {
    server = await startScriptedSse((_request, response, index) => {
      if (index === 1) {
        response.writeHead(200, { "content-type": "text/html" }).end("<h1>proxy</h1>");
        return;
      }
      sseHead(response);
      response.end(`event: error\ndata: {"type":"error","code":"cursor_expired","message":"Too old."}\n\n`);
    });
    const expired = await read(server.url);
    expect(expired.error).toMatchObject({ code: "cursor_expired", message: "Too old.", status: undefined });
    const html = await read(server.url);
    expect(html.error).toMatchObject({ code: "invalid_response", status: 200 });
    expect(server.requests).toHaveLength(2);
  });
});
