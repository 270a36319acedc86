import type { WebSocket } from "ws";
import type { WsServerFrame } from "../protocol/ws-frames.js";

/**
 * Bytes queued on a socket past which nothing more is taken from the client: its frames stay
 * unread (TCP pushes back on it) and readers wait for the socket to drain before sending more.
 * Only the answers of frames already read (at most `MAX_FRAMES_IN_FLIGHT` at a time) and one
 * batch per subscription go past it, so a stalled client holds about this much; the rest stays
 * in the run log, or unsent in the client.
 */
export const HIGH_WATER_BYTES = 256 * 1024;

/**
 * What a frame waiting in the socket costs beyond its bytes (Node's write request, ws's header
 * buffer): measured at ~350 bytes, so 256 KiB of 17-byte pongs held ~5 MB. Counting it keeps
 * the bound one of memory, whatever the frames' size.
 */
const QUEUED_FRAME_BYTES = 384;

/** The close code for a client that stopped reading (RFC 6455 §7.4.1: policy violation). */
export const STALLED_CLOSE_CODE = 1008;

/**
 * Client frames handled at once (a run being planned, a cancel waiting for its run): past it
 * the socket stops reading, so answers owed never outgrow the bound either.
 */
const MAX_FRAMES_IN_FLIGHT = 32;

const TEXT = { binary: false } as const;

export interface WsSocketOptions {
  /** How often the socket is pinged; also how long it may stay stuck over the bound. */
  pingIntervalMs: number;
  /** Handles one client message (settling once answered); called only while the socket keeps up. */
  receive: (data: unknown) => Promise<void> | undefined;
  /** Called once when the socket is closed for not reading (for `/metrics`). */
  onStalled: () => void;
}

/**
 * The one place where frames become bytes on a WebSocket (the SSE writer's counterpart), and
 * where a socket's memory is bounded. Run events go out as pre-encoded UTF-8 text frames, other
 * frames are serialized here. Every send counts against `HIGH_WATER_BYTES`: past it the socket
 * stops reading the client's frames (they wait, unread, until it drains) and readers wait for
 * the socket to drain instead of queueing. A ping every interval keeps proxies from closing an
 * idle socket and finds peers that vanished (no pong by the next ping: the socket is dropped,
 * which counts as the client leaving); a socket over the bound that took no byte for a whole
 * interval is closed with 1008 (the client stopped reading) and counted.
 */
export class WsSocket {
  private readonly abort = new AbortController();
  private readonly pinger: NodeJS.Timeout;
  private alive = true;
  /** Client messages read while over the bound, handled once the socket drains. */
  private inbox: unknown[] = [];
  private inFlight = 0;
  private reading = true;
  /** The latest WebSocket ping read while over the bound: one pong answers it on drain (RFC 6455 §5.5.3). */
  private pendingPong: Buffer | undefined;
  /** Frames handed to `ws` and not yet written out to the OS. */
  private queued = 0;
  /** Frames written out to the OS so far: the progress a stalled socket does not make. */
  private written = 0;
  private writtenAtTick = 0;
  private overAtTick = false;
  private stalled = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: WsSocketOptions,
  ) {
    ws.on("close", () => {
      clearInterval(this.pinger);
      this.inbox = [];
      this.abort.abort();
    });
    ws.on("pong", this.heard);
    ws.on("message", this.heard);
    // The `ws` server is made with `autoPong: false` (ws-hub.ts): its own pongs would not count.
    ws.on("ping", this.pinged);
    this.pinger = setInterval(this.tick, options.pingIntervalMs).unref();
  }

  /** Aborts when the socket has closed. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.abort.signal.aborted || this.ws.readyState !== this.ws.OPEN;
  }

  /** One message from the client: handled now, or once the socket is back under its bound. */
  received(data: unknown): void {
    if (this.closed) return;
    if (this.inbox.length > 0 || this.busy() || this.over()) {
      this.inbox.push(data);
      this.stopReading();
      return;
    }
    this.handle(data);
  }

  /** Sends one acknowledgement or error frame (past the bound too: it answers a frame already read). */
  send(frame: WsServerFrame): void {
    if (this.closed) return;
    this.write(JSON.stringify(frame));
    if (this.over()) this.stopReading();
  }

  /**
   * Sends each of `frames` (UTF-8 JSON) as one text frame. Resolves at once while the socket
   * keeps up; past the high-water mark, once the last frame has been written to the socket
   * (or `signal` aborts, or the socket closes).
   */
  async sendEvents(frames: readonly Buffer[], signal: AbortSignal): Promise<void> {
    const last = frames.length - 1;
    if (this.closed || last < 0) return;
    for (let index = 0; index < last; index += 1) this.write(frames[index] as Buffer);
    const final = frames[last] as Buffer;
    if (!this.over()) {
      this.write(final);
      if (this.over()) this.stopReading();
      return;
    }
    this.stopReading();
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      this.abort.signal.addEventListener("abort", done, { once: true });
      this.queued += 1;
      this.ws.send(final, TEXT, (error) => {
        this.wrote(error);
        done();
      });
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

  /** Past the bound: the bytes waiting in the socket, and what each waiting frame costs. */
  private over(): boolean {
    return this.ws.bufferedAmount + this.queued * QUEUED_FRAME_BYTES > HIGH_WATER_BYTES;
  }

  private busy(): boolean {
    return this.inFlight >= MAX_FRAMES_IN_FLIGHT;
  }

  private handle(data: unknown): void {
    const handling = this.options.receive(data);
    if (!handling) return;
    this.inFlight += 1;
    void handling.finally(this.handled);
  }

  private readonly handled = (): void => {
    this.inFlight -= 1;
    this.drain();
  };

  private write(data: string | Buffer): void {
    this.queued += 1;
    this.ws.send(data, TEXT, this.wrote);
  }

  private pong(data: Buffer): void {
    this.queued += 1;
    this.ws.pong(data, false, this.wrote);
  }

  private stopReading(): void {
    if (!this.reading) return;
    this.reading = false;
    this.ws.pause();
  }

  /** ws calls back once a frame has been handed to the OS (or with an error on close): maybe room again. */
  private readonly wrote = (error?: Error | null): void => {
    this.queued -= 1;
    if (error) return;
    this.written += 1;
    this.drain();
  };

  /** Back under the bound: answers what waited, in order, then reads the client again. */
  private drain(): void {
    if (this.reading || this.closed || this.busy() || this.over()) return;
    if (this.pendingPong) {
      this.pong(this.pendingPong);
      this.pendingPong = undefined;
    }
    while (this.inbox.length > 0) {
      this.handle(this.inbox.shift());
      if (this.busy() || this.over()) return;
    }
    this.reading = true;
    this.ws.resume();
  }

  private readonly pinged = (data: Buffer): void => {
    this.alive = true;
    if (this.closed) return;
    if (this.reading && !this.over()) this.pong(data);
    else this.pendingPong = data;
  };

  private readonly heard = (): void => {
    this.alive = true;
  };

  private readonly tick = (): void => {
    if (this.stalled) {
      // Closed for stalling an interval ago and the close handshake is stuck behind the rest.
      this.terminate();
      return;
    }
    if (this.closed) return;
    const over = this.over();
    const progressed = this.written !== this.writtenAtTick;
    const wasOver = this.overAtTick;
    this.writtenAtTick = this.written;
    this.overAtTick = over;
    if (over && wasOver && !progressed) {
      this.closeStalled();
      return;
    }
    if (!this.reading) {
      this.drain();
      // Its pongs wait unread behind its other frames; bytes leaving the socket show it is there.
      this.alive = true;
      return;
    }
    if (!this.alive) {
      this.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  };

  /**
   * Over the bound for a whole interval without a byte written: the client stopped reading.
   * The close frame queues behind what it did not read; reading resumes (frames are dropped)
   * so that its answer to the close can arrive, and the next tick drops it if it never does.
   */
  private closeStalled(): void {
    this.stalled = true;
    this.inbox = [];
    this.pendingPong = undefined;
    this.options.onStalled();
    this.ws.close(STALLED_CLOSE_CODE, "not reading: the socket stayed over its send buffer bound");
    this.ws.resume();
  }
}
