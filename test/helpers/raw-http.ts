import { request } from "node:http";
import { connect, type Socket } from "node:net";

/** What a server answered on a connection of its own. */
export interface FreshResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a new TCP connection (no keep-alive pool), as a client arriving now would
 * make it: what a server does with connections it has not seen yet, e.g. during shutdown.
 */
export function freshRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** A raw TCP client that writes bytes when told to and records all it receives until close. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with everything received once the server has closed the connection. */
  closed: Promise<string>;
}

/** Opens a raw TCP connection to the host and port of `url`. */
export async function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (text += chunk));
  const closed = new Promise<string>((resolve) => {
    socket.once("close", () => resolve(text));
    // A reset is a close too; what was received before it is the answer.
    socket.on("error", () => undefined);
  });
  return { socket, received: () => text, closed };
}
