import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FanoutEvent } from "../../src/protocol/events.js";

/** A raw HTTP server for the client's protocol edge cases (bad events, gaps, shutdown frames). */
export interface ScriptedSseServer {
  url: string;
  /** Every request, in order: method, path and Last-Event-ID. */
  requests: { method: string; path: string; lastEventId: string | undefined; at: number }[];
  close(): Promise<void>;
}

/** Answers request number `index` (0-based) however the test wants. */
export type ScriptedHandler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

export async function startScriptedSse(handler: ScriptedHandler): Promise<ScriptedSseServer> {
  const requests: ScriptedSseServer["requests"] = [];
  const server = createServer((request, response) => {
    const header = request.headers["last-event-id"];
    requests.push({
      method: request.method ?? "",
      path: request.url ?? "",
      lastEventId: Array.isArray(header) ? header[0] : header,
      at: performance.now(),
    });
    handler(request, response, requests.length - 1);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts an SSE response. */
export function sseHead(response: ServerResponse, headers: Record<string, string> = {}): void {
  response.writeHead(200, { "content-type": "text/event-stream", ...headers });
}

/** The frame of one event, as the service writes it (API.md §3). */
export function frame(event: FanoutEvent, lineEnd = "\n"): string {
  return [`id: ${event.seq}`, `event: ${event.type}`, `data: ${JSON.stringify(event)}`, "", ""].join(lineEnd);
}

/** A small valid run: run.started, `texts.length` deltas of one agent, agent.completed, run.completed. */
export function tinyRun(runId: string, agentId: string, texts: readonly string[]): FanoutEvent[] {
  const metrics = {
    queued_ms: 0,
    ttft_ms: 1,
    duration_ms: 2,
    attempts: 1,
    events: texts.length,
    chars: texts.join("").length,
    completion_tokens: texts.length,
    tokens_per_second: null,
  };
  const base = (seq: number) => ({ run_id: runId, seq, ts: 1_763_680_000_000 + seq });
  const events: FanoutEvent[] = [
    { type: "run.started", ...base(1), agents: [{ agent_id: agentId }], options: {} },
  ];
  for (const text of texts) {
    events.push({
      type: "agent.delta",
      ...base(events.length + 1),
      agent_id: agentId,
      message_id: "m1",
      kind: "assistant",
      text,
    });
  }
  events.push({
    type: "agent.completed",
    ...base(events.length + 1),
    agent_id: agentId,
    status: "completed",
    metrics,
  });
  events.push({
    type: "run.completed",
    ...base(events.length + 1),
    status: "completed",
    agents: { [agentId]: "completed" },
    metrics: { duration_ms: 2, ttft_ms: 1, agents_completed: 1, agents_failed: 0, events: events.length + 1 },
  });
  return events;
}
