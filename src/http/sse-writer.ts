import type { ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type zlib from "node:zlib";
import { encodeErrorFrame, PING_FRAME } from "../protocol/sse-frame.js";
import type { ReaderError } from "../protocol/events.js";
import { flushKind, type Encoding } from "./compression.js";

/** A constant abort reason: a fresh DOMException per reader would cost a stack trace each. */
const READER_GONE = new Error("reader gone");

/**
 * The one place where events become bytes on a socket (STYLE.md rule 2). Writes pre-encoded
 * frames straight to Node's response (bypassing web streams, which cost several µs per chunk),
 * gathers a batch into one write, awaits 'drain' instead of buffering, flushes the compressor
 * after every write, and sends `: ping` after a quiet spell.
 */
export class SseWriter {
  private readonly sink: Writable;
  private readonly pinger: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private ended = false;

  constructor(
    private readonly response: ServerResponse,
    pingIntervalMs: number,
    private readonly compressor?: {
      stream: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;
      encoding: Encoding;
    },
  ) {
    this.sink = compressor ? compressor.stream : response;
    if (compressor) compressor.stream.pipe(response);
    response.on("close", this.onClose);
    // One timer per reader, pushed back by every write (`refresh` is cheap), so `: ping` goes out
    // exactly after `pingIntervalMs` of silence.
    this.pinger = setTimeout(this.ping, pingIntervalMs).unref();
  }

  /** Aborts when the client goes away or the writer is closed. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.ended || this.abort.signal.aborted;
  }

  /** Writes frames as one chunk; resolves when the socket can take more. */
  async write(frames: readonly Buffer[]): Promise<void> {
    if (this.closed || frames.length === 0) return;
    const chunk = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
    this.pinger.refresh();
    const ok = this.sink.write(chunk);
    if (this.compressor) this.compressor.stream.flush(flushKind(this.compressor.encoding));
    if (!ok) await this.drained();
  }

  /**
   * Sends a reader-level error frame (API.md §3) and closes. It does not wait for a stalled
   * socket to drain: the frame is queued behind what the socket already holds, and the end
   * follows it.
   */
  fail(error: ReaderError, retryMs?: number): void {
    void this.write([encodeErrorFrame(error, retryMs)]);
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.pinger);
    this.sink.end();
    this.abort.abort(READER_GONE);
  }

  private readonly ping = (): void => {
    if (!this.closed) void this.write([PING_FRAME]);
  };

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.sink.off("drain", done);
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      this.sink.on("drain", done);
      this.abort.signal.addEventListener("abort", done, { once: true });
    });
  }

  private readonly onClose = (): void => {
    clearTimeout(this.pinger);
    if (this.compressor) this.compressor.stream.destroy();
    this.abort.abort(READER_GONE);
  };
}
