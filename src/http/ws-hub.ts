import type { WebSocketServerLike } from "@hono/node-server";
import { WebSocketServer, type WebSocket } from "ws";
import { overloaded, readersFull } from "../errors.js";
import { WsSocket, type WsSocketOptions } from "./ws-socket.js";

export interface WsHubOptions {
  /** `limits.max_readers`, shared with the SSE readers. */
  maxReaders: number;
  /** Readers of other kinds (SSE) that count toward `maxReaders`. */
  otherReaders: () => number;
  /** `limits.max_body_bytes`: frames above it get `payload_too_large`. */
  maxFrameBytes: number;
  /** How often each socket is pinged (`sse.ping_interval_ms`), and how long one may stall. */
  pingIntervalMs: number;
  /** Called for each socket closed because its client stopped reading (`/metrics`). */
  onStalled?: () => void;
}

/**
 * The WebSocket side of the service: the `ws` server that `serve({ websocket })` hands
 * upgrades to, the open sockets, the count of subscriptions (each a reader of
 * `limits.max_readers`), and the shutdown that ends every socket with `shutting_down` and a
 * close frame 1001.
 */
export class WsHub {
  /** The `ws` server that takes the upgraded connections. */
  readonly server: WebSocketServer;
  /** Pass as `serve({ ..., websocket })` (@hono/node-server). */
  readonly websocket: { server: WebSocketServerLike };
  private readonly sockets = new Set<WsSocket>();
  private subscriptions = 0;
  private closing = false;
  private onIdle: (() => void) | undefined;

  constructor(private readonly options: WsHubOptions) {
    // Frames between max_body_bytes and this bound get a `payload_too_large` frame; only past
    // it does `ws` refuse to buffer the frame and close with 1009 (the memory bound).
    const maxPayload = Math.max(2 * options.maxFrameBytes, options.maxFrameBytes + 65_536);
    // autoPong off: WsSocket answers pings itself, within the socket's send bound.
    this.server = new WebSocketServer({ noServer: true, maxPayload, autoPong: false });
    // The same object; only @types/ws's `noServer?: boolean | undefined` differs from the
    // adapter's `noServer?: boolean` under exactOptionalPropertyTypes.
    this.websocket = { server: this.server as unknown as WebSocketServerLike };
  }

  /** Subscriptions open on all sockets. */
  get readers(): number {
    return this.subscriptions;
  }

  /** Throws 503 `overloaded` while shutting down or when `limits.max_readers` are in use. */
  assertRoom(): void {
    if (this.closing) {
      throw overloaded("The service is shutting down; reconnect to another instance.");
    }
    const readers = this.subscriptions + this.options.otherReaders();
    if (readers >= this.options.maxReaders) {
      throw readersFull(readers);
    }
  }

  /** Counts one subscription; the returned function (idempotent) uncounts it. */
  addReader(): () => void {
    this.subscriptions += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.subscriptions -= 1;
      if (this.subscriptions === 0) this.onIdle?.();
    };
  }

  /**
   * Wraps an upgraded `ws` socket whose client messages go to `receive`, and keeps it for
   * shutdown until it closes.
   */
  open(ws: WebSocket, receive: WsSocketOptions["receive"]): WsSocket {
    const socket = new WsSocket(ws, {
      pingIntervalMs: this.options.pingIntervalMs,
      receive,
      onStalled: () => this.options.onStalled?.(),
    });
    this.sockets.add(socket);
    socket.signal.addEventListener("abort", () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) this.onIdle?.();
    });
    return socket;
  }

  /**
   * Graceful stop: refuses new sockets and subscriptions, gives subscriptions of runs that
   * ended `settleMs` to send their last events, then sends every socket a `shutting_down`
   * error frame and a close frame (1001), and drops sockets that do not close within `closeMs`.
   */
  async shutdown(settleMs = 1_000, closeMs = 1_000): Promise<void> {
    this.closing = true;
    await this.until(() => this.subscriptions === 0, settleMs);
    for (const socket of this.sockets) {
      socket.send({
        type: "error",
        code: "shutting_down",
        message: "The service is shutting down; reconnect.",
      });
      socket.close(1001, "shutting down");
    }
    await this.until(() => this.sockets.size === 0, closeMs);
    for (const socket of this.sockets) socket.terminate();
  }

  private async until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.onIdle = () => {
        if (done()) resolve();
      };
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.onIdle = undefined;
  }
}
