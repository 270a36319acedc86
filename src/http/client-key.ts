import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

/**
 * Who a client is for rate limiting (`limits.max_runs_per_minute`): its bearer token, else its
 * IP address. Works for WebSocket upgrades too, whose bindings hold the incoming request.
 */
export function clientKey(c: Context): string {
  const auth = c.req.header("authorization");
  if (auth?.startsWith("Bearer ")) return `token:${auth.slice(7)}`;
  return `ip:${(c.env as HttpBindings).incoming.socket.remoteAddress ?? "unknown"}`;
}
