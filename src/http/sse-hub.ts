import type { Context } from "hono";
import type { HttpBindings } from "@hono/node-server";
import { overloaded, readersFull } from "../errors.js";
import { createCompressor, negotiateEncoding, type CompressionOptions } from "./compression.js";
import { SseWriter } from "./sse-writer.js";

/** Heartbeat ticks per `pingIntervalMs`: a ping goes out after 1 to 1 + 1/4 intervals of silence. */
const TICKS_PER_PING = 4;

export interface SseHubOptions {
  pingIntervalMs: number;
  retryMs: number;
  maxReaders: number;
  compression: CompressionOptions;
  /** Headers every SSE response carries (CORS). */
  headers?: (c: Context) => Record<string, string>;
  /** Readers of other kinds (WebSocket subscriptions) that count toward `maxReaders`. */
  otherReaders?: () => number;
}

/**
 * Opens SSE responses and keeps track of them: the cap on compressed readers (API.md §3), the
 * one heartbeat timer that sends `: ping` to quiet readers, and the list a graceful shutdown
 * ends with a `shutting_down` frame.
 */
export class SseHub {
  private readonly open = new Set<SseWriter>();
  private compressed = 0;
  private onEmpty: (() => void) | undefined;
  private closing = false;
  private ticks = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: SseHubOptions) {}

  /** The heartbeat's clock (see {@link beat}); writers stamp their writes with it. */
  get tick(): number {
    return this.ticks;
  }

  get readers(): number {
    return this.open.size;
  }

  /**
   * Throws 503 `overloaded` when this instance already serves `limits.max_readers` readers, or
   * is ending its readers (shutdown): a reader that came now would be cut at once.
   */
  ensureRoom(): void {
    if (this.closing) throw overloaded("The service is shutting down; reconnect to another instance.");
    const readers = this.open.size + (this.options.otherReaders?.() ?? 0);
    if (readers >= this.options.maxReaders) {
      throw readersFull(readers);
    }
  }

  /** Writes the SSE headers at once (so clients see the stream open) and returns the writer. */
  start(c: Context, headers: Record<string, string> = {}): SseWriter {
    this.ensureRoom();
    const response = (c.env as HttpBindings).outgoing;
    const { compression } = this.options;
    const encoding =
      compression.enabled && this.compressed < compression.max_compressed_readers
        ? negotiateEncoding(c.req.header("accept-encoding"))
        : undefined;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...(encoding ? { "content-encoding": encoding } : {}),
      vary: "accept-encoding",
      ...this.options.headers?.(c),
      ...headers,
    });
    response.flushHeaders();
    // Nagle would hold small event writes back by up to 40 ms.
    response.socket?.setNoDelay(true);
    const writer = encoding
      ? new SseWriter(
          response,
          this,
          this.releaseCompressed,
          createCompressor(encoding, compression),
          encoding,
        )
      : new SseWriter(response, this, this.release);
    if (encoding) this.compressed += 1;
    this.open.add(writer);
    this.heartbeat ??= setInterval(this.beat, this.options.pingIntervalMs / TICKS_PER_PING).unref();
    return writer;
  }

  /**
   * One timer for every reader: each tick pings the writers that have been quiet for a whole
   * interval. A writer stamped in tick k is pinged in tick k + TICKS_PER_PING + 1, so `: ping`
   * goes out after 1 to 1.25 intervals of silence.
   */
  private readonly beat = (): void => {
    this.ticks += 1;
    const due = this.ticks - TICKS_PER_PING - 1;
    for (const writer of this.open) if (writer.lastTick <= due) writer.ping();
  };

  private readonly release = (writer: SseWriter): void => {
    this.open.delete(writer);
    if (this.open.size > 0) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.onEmpty?.();
  };

  private readonly releaseCompressed = (writer: SseWriter): void => {
    this.compressed -= 1;
    this.release(writer);
  };

  /** Refuses new readers from now on, then ends the open ones as {@link disconnectAll} does. */
  async shutdown(settleMs = 1_000): Promise<void> {
    this.closing = true;
    await this.disconnectAll(settleMs);
  }

  /**
   * Ends every open stream with a `shutting_down` frame and a `retry:` hint, so that clients
   * reconnect (elsewhere, or here once the instance is back). Readers of runs that already ended
   * get `settleMs` to write their last events and close on their own first.
   */
  async disconnectAll(settleMs = 1_000): Promise<void> {
    if (this.open.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onEmpty = resolve;
        timer = setTimeout(resolve, settleMs);
      });
      clearTimeout(timer);
    }
    const error = {
      type: "error",
      code: "shutting_down",
      message: "The service is shutting down; reconnect.",
    } as const;
    for (const writer of [...this.open]) writer.fail(error, this.options.retryMs);
  }
}
