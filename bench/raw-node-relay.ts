import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { RelayRun } from "./raw-relay-run.js";

const PING = Buffer.from(": ping\n\n");

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
};

/**
 * The `raw-node` target: a minimal `node:http` server with the service's two streaming routes,
 * `POST /v1/runs` (the run's own stream with `Accept: text/event-stream`, else 202 JSON) and
 * `GET /v1/runs/{id}/events`, and nothing else: no validation beyond need, no retries, no
 * options. It is what the runtime can do when one person writes the hot path by hand. With
 * `pingIntervalMs` (scenario F), every reader also gets `: ping` on a timer of its own while its
 * socket holds nothing unsent, as a hand-written heartbeat would.
 */
export function createRawNodeRelay(upstreamUrl: string, pingIntervalMs?: number): Server {
  const upstream = new URL(upstreamUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const runs = new Map<string, RelayRun>();
  let nextRun = 1;

  const startRun = async (req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.setEncoding("utf8");
    for await (const chunk of req) text += chunk as string;
    const body = JSON.parse(text) as { message?: unknown; agent_ids?: unknown };
    if (typeof body.message !== "string" || !Array.isArray(body.agent_ids)) {
      res
        .writeHead(422, { "content-type": "application/json" })
        .end('{"error":{"code":"validation_failed"}}');
      return;
    }
    const run = new RelayRun(`rr-${nextRun++}`, body.agent_ids.map(String), body.message, upstream, agent);
    runs.set(run.id, run);
    if ((req.headers.accept ?? "").includes("text/event-stream")) {
      res.writeHead(200, { ...SSE_HEADERS, "x-run-id": run.id });
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      run.attach(res, true);
    } else {
      res.writeHead(202, { "content-type": "application/json" }).end(
        JSON.stringify({
          run_id: run.id,
          status: "running",
          agents: body.agent_ids,
          events_url: `/v1/runs/${run.id}/events`,
        }),
      );
    }
    run.start();
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path === "/v1/runs") {
      startRun(req, res).catch(() => res.writeHead(400).end());
      return;
    }
    const run = /^\/v1\/runs\/([^/]+)\/events$/.exec(path)?.[1];
    const found = req.method === "GET" && run !== undefined ? runs.get(run) : undefined;
    if (!found) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}');
      return;
    }
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    if (pingIntervalMs !== undefined) heartbeat(res, pingIntervalMs);
    found.attach(res, false);
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

/** `: ping` every `intervalMs` while the socket has nothing queued; stops when the reader goes. */
function heartbeat(res: ServerResponse, intervalMs: number): void {
  const timer = setInterval(() => {
    if (res.writableLength === 0) res.write(PING);
  }, intervalMs).unref();
  res.on("close", () => clearInterval(timer));
}
