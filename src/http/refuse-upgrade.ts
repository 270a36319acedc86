import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import { STATUS_CODES } from "node:http";
import type { AppError } from "../errors.js";

/**
 * Answers a WebSocket upgrade request with `error` as an API.md §5 JSON body, and no socket.
 * The Node adapter answers a refused upgrade with its status and an empty body, so this
 * writes the whole response on the connection itself and closes it once written; the adapter
 * then sees the connection closed and does nothing more. For a request that is not an upgrade
 * (or outside the Node adapter) it is the ordinary JSON response.
 */
export async function refuseUpgrade(c: Context, error: AppError): Promise<Response> {
  const body = JSON.stringify(error.toBody());
  const headers: Record<string, string> = {};
  if (error.extra.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.extra.retryAfterSeconds);
  const socket = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket;
  if (socket && !socket.destroyed && c.req.header("upgrade")?.toLowerCase() === "websocket") {
    const lines = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}`,
      "content-type: application/json",
      `content-length: ${Buffer.byteLength(body)}`,
      "connection: close",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    await new Promise<void>((resolve) => socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`, () => resolve()));
    socket.destroy();
  }
  return c.json(error.toBody(), error.status as 400, headers);
}
