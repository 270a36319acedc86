import type { ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type zlib from "node:zlib";
import { encodeErrorFrame, PING_FRAME } from "../protocol/sse-frame.js";
import type { ReaderError } from "../protocol/events.js";
import { flushKind, type Encoding } from "./compression.js";

/** The hub's heartbeat clock: a tick count the writer stamps each write with (no clock read). */
export interface Heartbeat {
  readonly tick: number;
}

/**
 * The one place where events become bytes on a socket (STYLE.md rule 2). Writes pre-encoded
 * frames straight to Node's response (bypassing web streams, which cost several µs per chunk),
 * gathers a batch into one write, reports backpressure instead of buffering, and flushes the
 * compressor after every write.
 *
 * An idle reader should cost little more than its socket (BENCH.md F): the writer holds no
 * timer (the hub's one heartbeat pings every writer quiet since `lastTick`), no AbortController
 * and no promise; who follows it hears of its end through one callback ({@link whenClosed}).
 */
export class SseWriter {
  private readonly sink: Writable;
  /** The heartbeat's tick at the last write (the hub pings writers quiet for a whole interval). */
  lastTick: number;
  private ended = false;
  private gone = false;
  private follower: (() => void) | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly heartbeat: Heartbeat,
    /** Called once when the writer closes (ended, or the client went away). */
    private readonly release: (writer: SseWriter) => void,
    private readonly compressor?: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress,
    private readonly encoding?: Encoding,
  ) {
    this.lastTick = heartbeat.tick;
    this.sink = compressor ?? response;
    if (compressor) compressor.pipe(response);
    // `on`, not `once`: once wraps the listener in a bound function and its state, per reader.
    response.on("close", this.onClose);
  }

  get closed(): boolean {
    return this.ended || this.gone;
  }

  /**
   * Calls `callback` once when the writer closes (at once if it has): the reader following the
   * log stops there. One follower per writer.
   */
  whenClosed(callback: () => void): void {
    if (this.closed) queueMicrotask(callback);
    else this.follower = callback;
  }

  /**
   * Writes frames as one chunk. Returns false when the socket holds more than it should: wait for
   * {@link whenDrained} before writing more.
   */
  write(frames: readonly Buffer[]): boolean {
    if (this.closed || frames.length === 0) return true;
    const chunk = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
    this.lastTick = this.heartbeat.tick;
    const ok = this.sink.write(chunk);
    if (this.compressor) this.compressor.flush(flushKind(this.encoding ?? "gzip"));
    return ok;
  }

  /** Calls `callback` once the socket can take more (never, if it closes first: see whenClosed). */
  whenDrained(callback: () => void): void {
    this.sink.once("drain", callback);
  }

  /** `: ping` (the hub's heartbeat, after a quiet interval). */
  ping(): void {
    this.write([PING_FRAME]);
  }

  /**
   * Sends a reader-level error frame (API.md §3) and closes. It does not wait for a stalled
   * socket to drain: the frame is queued behind what the socket already holds, and the end
   * follows it.
   */
  fail(error: ReaderError, retryMs?: number): void {
    this.write([encodeErrorFrame(error, retryMs)]);
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
    if (!this.gone) this.closing();
  }

  private readonly onClose = (): void => {
    if (this.gone) return;
    this.gone = true;
    this.compressor?.destroy();
    if (!this.ended) this.closing();
  };

  /** Runs once, at the first of end() and the socket's close. */
  private closing(): void {
    this.release(this);
    const follower = this.follower;
    this.follower = undefined;
    follower?.();
  }
}
