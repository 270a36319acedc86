import { upgradeWebSocket } from "@hono/node-server";
import { Hono } from "hono";
import type { WebSocket } from "ws";
import { AppError } from "../errors.js";
import type { AppDeps } from "./app-deps.js";
import { clientKey } from "./client-key.js";
import { refuseUpgrade } from "./refuse-upgrade.js";
import { wsOriginPolicy } from "./ws-origin.js";
import { WsSession } from "./ws-session.js";
import type { WsSocket } from "./ws-socket.js";

/**
 * `GET /v1/ws` (API.md §2): the WebSocket API. Auth and CORS run before the upgrade (the app's
 * `/v1` middleware), so an unauthorized client gets 401 `unauthorized` (its JSON body written by
 * the app's error handler through `refuseUpgrade`) and no socket. An upgrade from a web page of
 * a foreign origin (ws-origin.ts) gets 403 `forbidden`, and a full or stopping instance 503
 * `overloaded`, all with their JSON body and no socket. A GET without
 * `Upgrade: websocket` is a 426. Needs the server started with
 * `serve({ ..., websocket: { server: deps.ws.server } })`.
 */
export function wsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const originAllowed = wsOriginPolicy(deps.config.cors.origins);

  app.get(
    "/ws",
    async (c, next) => {
      if (!originAllowed(c.req.header("origin"), c.req.header("host"))) {
        return refuseUpgrade(
          c,
          new AppError(
            "forbidden",
            "WebSocket connections from this page's origin are not allowed: connect from the service's own origin, or add the origin to cors.origins in the config.",
            403,
          ),
        );
      }
      try {
        deps.ws.assertRoom();
      } catch (error) {
        if (error instanceof AppError) return refuseUpgrade(c, error);
        throw error;
      }
      await next();
      return undefined;
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
