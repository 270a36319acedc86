import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { waitFor } from "./wait-for.js";

/**
 * A WebSocket client on a bare TCP socket, for tests where the client misbehaves on purpose:
 * it writes many frames in one go and reads only when the test says so (`pause()` stops reading
 * at the TCP level, as a client that never reads would). It parses what it reads: text frames
 * are counted by their JSON `type`, pong control frames as `"(pong)"`, pings are answered, and
 * the close frame's code is kept.
 */
export interface RawWs {
  socket: Socket;
  /** Frames received so far: text frames by their JSON `type`, pong control frames as `"(pong)"`. */
  received: Map<string, number>;
  /** The code of the server's close frame, once read. */
  closeCode: number | undefined;
  /** Sends each text as one masked text frame, all in a single write. */
  sendTexts(texts: readonly string[]): void;
  /** Sends one WebSocket ping control frame per payload (≤ 125 bytes each), all in a single write. */
  sendPings(payloads: readonly Buffer[]): void;
  /** Stops reading from the socket (the kernel's buffers fill, then the server's). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Waits until the connection has ended. */
  ended(what: string, timeoutMs?: number): Promise<void>;
}

const opened = new Set<Socket>();

/** Destroys every socket `openRawWs` opened (call in afterEach, before closing the harness). */
export function destroyAllRawWs(): void {
  for (const socket of opened) socket.destroy();
  opened.clear();
}

/** Opens `GET /v1/ws` of the service at `url` (http://…) and resolves after the 101. */
export async function openRawWs(url: string): Promise<RawWs> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  opened.add(socket);
  socket.on("error", () => undefined);
  const key = randomBytes(16).toString("base64");
  socket.write(
    `GET /v1/ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let pending: Buffer = Buffer.alloc(0);
  const state = { upgraded: false, ended: false };
  const client: RawWs = {
    socket,
    received: new Map(),
    closeCode: undefined,
    sendTexts: (texts) =>
      socket.write(Buffer.concat(texts.map((text) => maskedFrame(TEXT, Buffer.from(text, "utf8"))))),
    sendPings: (payloads) =>
      socket.write(Buffer.concat(payloads.map((payload) => maskedFrame(PING, payload)))),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    ended: async (what, timeoutMs = 5_000) => {
      await waitFor(() => state.ended, what, timeoutMs);
    },
  };
  socket.on("close", () => (state.ended = true));
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (!state.upgraded) {
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = pending.subarray(0, end).toString("latin1");
      if (!head.startsWith("HTTP/1.1 101")) {
        socket.destroy(new Error(`upgrade refused: ${head.split("\r\n")[0] ?? ""}`));
        return;
      }
      state.upgraded = true;
      pending = pending.subarray(end + 4);
    }
    pending = readFrames(pending, client);
  });
  await waitFor(() => state.upgraded || state.ended, "the upgrade to be answered");
  if (!state.upgraded) throw new Error("the upgrade was refused");
  return client;
}

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** A client frame must be masked (RFC 6455 §5.3); a zero key leaves the payload as it is. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + 4);
  header[0] = 0x80 | opcode; // FIN
  if (extra === 0) header[1] = 0x80 | length;
  else if (extra === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Parses the complete (unmasked, unfragmented) server frames at the start of `buffer`; returns the rest. */
function readFrames(buffer: Buffer, client: RawWs): Buffer {
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const opcode = (buffer[offset] ?? 0) & 0x0f;
    let length = (buffer[offset + 1] ?? 0) & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      if (buffer.length < start + 2) break;
      length = buffer.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (buffer.length < start + 8) break;
      length = Number(buffer.readBigUInt64BE(start));
      start += 8;
    }
    if (buffer.length < start + length) break;
    const payload = buffer.subarray(start, start + length);
    offset = start + length;
    if (opcode === TEXT || opcode === PONG) {
      const type =
        opcode === PONG ? "(pong)" : (JSON.parse(payload.toString("utf8")) as { type: string }).type;
      client.received.set(type, (client.received.get(type) ?? 0) + 1);
    } else if (opcode === PING) {
      // As every client does (RFC 6455 §5.5.2), or the service's keepalive drops it.
      client.socket.write(maskedFrame(PONG, payload));
    } else if (opcode === CLOSE) {
      client.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      client.socket.end();
    }
  }
  return buffer.subarray(offset);
}
