import { upgradeWebSocket } from "@hono/node-server";
import { Hono } from "hono";
import type { WebSocket } from "ws";
import { AppError } from "../errors.js";
import type { AppDeps } from "./app-deps.js";
import { clientKey } from "./client-key.js";
import { WsSession } from "./ws-session.js";
import type { WsSocket } from "./ws-socket.js";

/**
 * `GET /v1/ws` (API.md §2): the WebSocket API. Auth and CORS run before the upgrade (the app's
 * `/v1` middleware), so an unauthorized client gets a plain HTTP 401 and no socket; so does a
 * full or stopping instance (503 `overloaded`). A GET without `Upgrade: websocket` is a 426.
 * Needs the server started with `serve({ ..., websocket: { server: deps.ws.server } })`.
 */
export function wsRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get(
    "/ws",
    async (_c, next) => {
      deps.ws.assertRoom();
      await next();
    },
    upgradeWebSocket((c) => {
      const client = { key: clientKey(c), limiter: deps.runLimiter };
      let socket: WsSocket | undefined;
      let session: WsSession | undefined;
      return {
        onOpen: (_event, ws) => {
          // With `ws`'s WebSocketServer (create-service.ts), `raw` is a `ws` WebSocket; its
          // `bufferedAmount`, send callbacks, pause and pings are what bound its memory.
          socket = deps.ws.open(ws.raw as unknown as WebSocket, (data) => session?.receive(data));
          session = new WsSession(socket, deps, client);
        },
        // Through the socket, which holds frames back while the client does not read its answers.
        onMessage: (event) => socket?.received(event.data),
        onClose: () => session?.closed(),
      };
    }),
    (c) =>
      c.json(
        new AppError(
          "upgrade_required",
          "GET /v1/ws is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).",
          426,
        ).toBody(),
        426,
      ),
  );
  return app;
}
