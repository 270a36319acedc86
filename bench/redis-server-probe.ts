import { connect } from "node:net";

/**
 * Asks the Redis on 127.0.0.1:`port` for PING and `INFO server`, over a raw socket (no client
 * library, no reconnects), and resolves with the `process_id` it reports once it answered PONG;
 * `undefined` when nothing answers properly within `timeoutMs` (refused, still loading, stopped).
 * The pid lets the caller make sure the server on the port is its own and not someone else's.
 */
export function probeRedis(port: number, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    const finish = (pid: number | undefined) => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(pid);
    };
    const deadline = setTimeout(() => finish(undefined), timeoutMs);
    socket.on("error", () => finish(undefined));
    socket.on("close", () => finish(undefined));
    socket.on("connect", () => socket.write("PING\r\nINFO server\r\n"));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received);
      if (answer !== "incomplete") finish(answer);
    });
  });
}

/** `+PONG\r\n$<n>\r\n<n bytes of INFO>\r\n` → the pid in INFO; an error reply → undefined. */
function parseAnswer(bytes: Buffer): number | undefined | "incomplete" {
  const pong = "+PONG\r\n";
  if (bytes.length < pong.length) return "incomplete";
  if (bytes.toString("latin1", 0, pong.length) !== pong) return undefined; // e.g. -LOADING
  const headerEnd = bytes.indexOf("\r\n", pong.length);
  if (headerEnd < 0) return "incomplete";
  const header = bytes.toString("latin1", pong.length, headerEnd);
  if (!header.startsWith("$")) return undefined;
  const length = Number(header.slice(1));
  const bodyStart = headerEnd + 2;
  if (bytes.length < bodyStart + length) return "incomplete";
  const info = bytes.toString("utf8", bodyStart, bodyStart + length);
  const pid = /^process_id:(\d+)\r?$/m.exec(info)?.[1];
  return pid === undefined ? undefined : Number(pid);
}
