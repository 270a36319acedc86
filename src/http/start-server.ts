import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Service } from "../create-service.js";

export interface ServerOptions {
  host: string;
  /** 0 asks the OS for a free port. */
  port: number;
  /** `server.headers_timeout_ms`: a client slower than this to send its headers gets 408. */
  headersTimeoutMs: number;
  /** `server.request_timeout_ms`: the same for the whole request, body included. */
  requestTimeoutMs: number;
}

/** A service listening on a socket. */
export interface RunningServer {
  server: Server;
  /** The port it listens on (the OS's choice when asked for 0). */
  port: number;
  /**
   * Graceful stop: the service refuses new runs and readers with 503 and `/readyz` says
   * `shutting_down` while the listener stays open for the whole grace (a client that connects
   * now gets that answer, not a refused connection); then every connection is closed.
   */
  stop: (graceMs: number) => Promise<void>;
}

/** How long ended streams get to flush their last bytes (e.g. a compressor's tail) at shutdown. */
const FLUSH_MS = 1_000;

/**
 * Closes connections as their responses finish (a finished response has handed its last bytes to
 * the socket; destroying a connection sooner would cut the end of a stream, such as the
 * `run.completed` of a run that ended during the grace), until all are closed or `ms` pass.
 */
async function finishResponses(server: Server, closed: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const poll = setInterval(() => server.closeIdleConnections(), 20);
  server.closeIdleConnections();
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  clearInterval(poll);
}

/**
 * Serves a service's app and WebSocket API over HTTP/1.1 with bounded request reading: a body
 * trickled a byte at a time, or headers that never end, cost a socket for at most the configured
 * timeouts. Node applies both only while a request is being received, so an SSE response or an
 * upgraded WebSocket runs as long as it needs.
 */
export async function startServer(service: Service, options: ServerOptions): Promise<RunningServer> {
  const server = serve({
    fetch: service.app.fetch,
    hostname: options.host,
    port: options.port,
    websocket: service.websocket,
    serverOptions: {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default), so a timeout of a few
      // seconds would otherwise be honoured up to 30 s late.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(options.headersTimeoutMs / 4)),
    },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  let stopping: Promise<void> | undefined;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: (graceMs) => {
      stopping ??= (async () => {
        await service.shutdown(graceMs);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await finishResponses(server, closed, FLUSH_MS);
        server.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}
