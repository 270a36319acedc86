import type { WebSocket } from "ws";
import type { WsServerFrame } from "../protocol/ws-frames.js";

/**
 * Bytes queued on a socket past which a reader waits for them to be written before sending
 * more. Each subscription sends at most one batch past it, so a stalled client holds at most
 * this plus one batch per subscription; the rest stays in the run log.
 */
const HIGH_WATER_BYTES = 256 * 1024;

const TEXT = { binary: false } as const;

/**
 * The one place where frames become bytes on a WebSocket (the SSE writer's counterpart): run
 * events go out as pre-encoded UTF-8 text frames, other frames are serialized here, readers
 * wait for the socket to drain instead of queueing, and a ping every interval keeps proxies
 * from closing an idle socket and finds peers that vanished (no pong by the next ping:
 * the socket is dropped, which counts as the client leaving).
 */
export class WsSocket {
  private readonly abort = new AbortController();
  private readonly pinger: NodeJS.Timeout;
  private alive = true;

  constructor(
    private readonly ws: WebSocket,
    pingIntervalMs: number,
  ) {
    ws.on("close", () => {
      clearInterval(this.pinger);
      this.abort.abort();
    });
    ws.on("pong", this.heard);
    ws.on("message", this.heard);
    this.pinger = setInterval(this.ping, pingIntervalMs).unref();
  }

  /** Aborts when the socket has closed. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.abort.signal.aborted || this.ws.readyState !== this.ws.OPEN;
  }

  /** Sends one acknowledgement or error frame. */
  send(frame: WsServerFrame): void {
    if (!this.closed) this.ws.send(JSON.stringify(frame), TEXT);
  }

  /**
   * Sends each of `frames` (UTF-8 JSON) as one text frame. Resolves at once while the socket
   * keeps up; past the high-water mark, once the last frame has been written to the socket
   * (or `signal` aborts, or the socket closes).
   */
  async sendEvents(frames: readonly Buffer[], signal: AbortSignal): Promise<void> {
    const last = frames.length - 1;
    if (this.closed || last < 0) return;
    for (let index = 0; index < last; index += 1) this.ws.send(frames[index] as Buffer, TEXT);
    const final = frames[last] as Buffer;
    if (this.ws.bufferedAmount <= HIGH_WATER_BYTES) {
      this.ws.send(final, TEXT);
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      this.abort.signal.addEventListener("abort", done, { once: true });
      // ws calls back once the frame has been handed to the OS, or with an error on close.
      this.ws.send(final, TEXT, done);
    });
  }

  /** Starts the closing handshake with `code` (e.g. 1001 going away). */
  close(code: number, reason: string): void {
    if (!this.closed) this.ws.close(code, reason);
  }

  /** Drops the connection without a handshake (a peer that does not answer). */
  terminate(): void {
    this.ws.terminate();
  }

  private readonly heard = (): void => {
    this.alive = true;
  };

  private readonly ping = (): void => {
    if (this.closed) return;
    if (!this.alive) {
      this.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  };
}
