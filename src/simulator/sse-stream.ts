import type { ServerResponse } from "node:http";
import type { EventTemplate } from "./event-template.js";
import { oversizedChunk, pingTemplate, renderPing } from "./letta-events.js";
import type { RecordedStream, SimRecorder } from "./recorder.js";
import type { ChunkKind, DrainListener, RunSink } from "./run-sink.js";
import { reframe, type StreamShape } from "./stream-shape.js";

/** A fault that acts on one HTTP stream, at a position counted in agent message events. */
export type StreamFault =
  | { readonly kind: "drop" | "stall"; readonly afterEvents: number }
  | { readonly kind: "malformed"; readonly afterEvents: number; readonly text: string }
  | { readonly kind: "oversized"; readonly afterEvents: number; readonly bytes: number };

/** How to set up one SSE response. */
export interface SseStreamOptions {
  readonly res: ServerResponse;
  readonly recorder: SimRecorder;
  readonly record: RecordedStream;
  readonly runId: string;
  /** Send keepalive pings after `pingIntervalMs` of silence (letta-wire §2.3). */
  readonly keepalive: boolean;
  readonly pingIntervalMs: number;
  /** Background streams' keepalive pings carry the last seq_id written (§2.3). */
  readonly background: boolean;
  /** Stream faults, sorted by position. */
  readonly faults: readonly StreamFault[];
  /** Line endings and how the response ends after `[DONE]`. */
  readonly shape: StreamShape;
  /** Called once when the connection has closed, for whatever reason. */
  readonly onClosed: (stream: SseStream) => void;
}

/**
 * One Letta SSE response, written on plain `node:http`: the simulator needs byte-exact framing,
 * control of when headers are flushed (Letta sends them with the first chunk, letta-wire §2.1),
 * the ability to destroy a socket mid-stream, and `res.write()` returning false to see
 * backpressure, none of which a framework's SSE helper exposes.
 *
 * It is the sink of a foreground run and the transport of a background run's readers. It writes
 * each chunk as given (pre-rendered frames), sends keepalive pings from a single lazily re-armed
 * timer, counts blocked writes, applies stream faults, and records everything it does.
 */
export class SseStream implements RunSink {
  readonly streaming = true;
  readonly nextSeq = null;
  private drainListener: DrainListener | null = null;
  private closed = false;
  private ended = false;
  private stalled = false;
  private dropped = false;
  private serverClosing = false;
  private blocked = false;
  private messages = 0;
  private faultIndex = 0;
  private lastSeq: number | null = null;
  private chunksWritten = 0;
  private lastWriteAt = performance.now();
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private pings: EventTemplate | null = null;

  constructor(private readonly options: SseStreamOptions) {}

  /** Whether the client can still receive (not closed, dropped, stalled or ended). */
  get writable(): boolean {
    return !this.closed && !this.ended && !this.stalled;
  }

  /** Sets the status and headers. They go out with the first chunk, as with Starlette (§2.1). */
  open(): void {
    const { res } = this.options;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    res.on("drain", this.handleDrain);
    res.on("close", this.handleClose);
    this.armKeepalive(this.options.pingIntervalMs);
  }

  onDrain(listener: DrainListener): void {
    this.drainListener = listener;
  }

  write(chunk: string, kind: ChunkKind): boolean {
    return this.send(chunk, kind, 0);
  }

  /**
   * Writes one frame. `seq` > 0 says the frame shows `"seq_id":seq`. Returns false when the
   * socket buffer is full; 'drain' then resumes the drain listener. Writes after the client left
   * (or a stall) are dropped silently and return true, so a producer carries on like Letta does
   * when a client goes away (letta-wire §1.4).
   */
  send(chunk: string, kind: ChunkKind, seq: number): boolean {
    if (this.closed || this.ended || this.stalled) return true;
    if (kind !== "ping" && this.faultIndex < this.options.faults.length && this.applyFaults()) return true;
    const record = this.options.record;
    const { ending } = this.options.shape;
    if (kind === "done" && ending === "reset") {
      this.drop();
      return true;
    }
    const ok = this.put(chunk);
    if (kind === "done" && ending === "linger") {
      // [DONE] went out; the connection stays open and silent until the client leaves.
      this.stalled = true;
      this.clearKeepalive();
    }
    record.eventsWritten++;
    if (kind === "message") {
      this.messages++;
      record.messagesWritten++;
    }
    if (seq > 0) this.lastSeq = seq;
    this.lastWriteAt = performance.now();
    if (ok) return true;
    record.blockedWrites++;
    record.blocked = true;
    this.blocked = true;
    return false;
  }

  /** Ends the response after the last chunk (a stalled stream stays open until the client leaves). */
  end(): void {
    if (this.closed || this.ended || this.stalled) return;
    this.ended = true;
    this.clearKeepalive();
    this.options.record.endedNormally = true;
    this.options.res.end();
  }

  /** Marks the coming close as the simulator's own (shutting down), not the client's. */
  closeByServer(): void {
    this.serverClosing = true;
    this.clearKeepalive();
    this.options.res.destroy();
  }

  private applyFaults(): boolean {
    const { faults, record, runId } = this.options;
    for (;;) {
      const fault = faults[this.faultIndex];
      if (fault === undefined || fault.afterEvents > this.messages) return false;
      this.faultIndex++;
      switch (fault.kind) {
        case "drop":
          this.drop();
          return true;
        case "stall":
          this.stalled = true;
          record.stalledByFault = true;
          this.clearKeepalive();
          return true;
        case "malformed":
          this.put(`data: ${fault.text}\n\n`);
          record.eventsWritten++;
          break;
        case "oversized":
          this.put(oversizedChunk(runId, fault.bytes, this.options.background ? this.lastSeq : null));
          record.eventsWritten++;
          break;
      }
    }
  }

  /** Writes one chunk in this response's framing. */
  private put(chunk: string): boolean {
    return this.options.res.write(reframe(chunk, this.options.shape.lineEnding, this.chunksWritten++));
  }

  /**
   * Flushes what was written, then cuts the connection mid-body: destroy() alone would discard
   * the corked chunks, and the client must see exactly what went out before the fault.
   */
  private drop(): void {
    const res = this.options.res;
    this.dropped = true;
    this.options.record.droppedByFault = true;
    this.clearKeepalive();
    if (res.socket === null) res.destroy();
    else res.socket.destroySoon();
  }

  private armKeepalive(delay: number): void {
    if (this.options.keepalive) this.keepaliveTimer = setTimeout(this.handleKeepalive, delay);
  }

  private clearKeepalive(): void {
    if (this.keepaliveTimer !== null) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  // One timer per stream, re-armed lazily: writes only store a timestamp, and the timer checks
  // whether the interval really passed in silence (cheaper than resetting a timer per event).
  private readonly handleKeepalive = (): void => {
    this.keepaliveTimer = null;
    if (!this.writable) return;
    const interval = this.options.pingIntervalMs;
    const idle = performance.now() - this.lastWriteAt;
    if (idle + 1 < interval) return this.armKeepalive(interval - idle);
    this.pings ??= pingTemplate(this.options.runId);
    this.send(renderPing(this.pings, this.options.background ? this.lastSeq : null), "ping", 0);
    this.armKeepalive(interval);
  };

  private readonly handleDrain = (): void => {
    if (!this.blocked) return;
    this.blocked = false;
    this.options.record.blocked = false;
    this.drainListener?.resume();
  };

  private readonly handleClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.clearKeepalive();
    const record = this.options.record;
    if (!this.ended && !this.dropped && !this.serverClosing) record.closedByClient = true;
    this.options.recorder.closeStream(record);
    this.options.onClosed(this);
    if (this.blocked) {
      this.blocked = false;
      this.drainListener?.resume();
    }
  };
}
