import type { StoredEvent } from "./event-store.js";

/** The first chunk of a run's frames; each next one doubles, up to MAX_CHUNK. */
const FIRST_CHUNK = 2048;
/** Chunks stop growing here: a run's frames take 64 KiB at a time, freed with its last frame. */
const MAX_CHUNK = 64 * 1024;

/**
 * Where one run's SSE frames are encoded: one after another in a few large Buffers (chunks),
 * instead of one Buffer per event. Measured (bench/ scenario B at 1,000 agents, `--trace-gc`):
 * the run log kept a Buffer object per event, which every scavenge copied and then promoted,
 * the largest part of what survived each scavenge; a frame is now three numbers and a reference
 * to its chunk in a `SlabEvent`. A chunk is freed when the last event framed in it is dropped
 * from every log (retention), like the Buffers before.
 */
export class FrameSlab {
  private chunk: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;
  private nextSize = FIRST_CHUNK;

  /** Encodes the frame `text` as UTF-8 after the previous one; returns the event that points at it. */
  frame(
    seq: number,
    type: string,
    agentId: string | undefined,
    runId: string,
    global: number,
    text: string,
  ): SlabEvent {
    // At most 3 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units).
    const room = text.length * 3;
    if (this.used + room > this.chunk.length) {
      const size = Math.max(this.nextSize, room);
      this.nextSize = Math.min(this.nextSize * 2, MAX_CHUNK);
      this.chunk = Buffer.allocUnsafeSlow(size);
      this.used = 0;
    }
    const start = this.used;
    this.used += this.chunk.write(text, start, "utf8");
    return new SlabEvent(seq, type, agentId, runId, global, this.chunk, start, this.used);
  }
}

/**
 * A run-log entry whose frame lives in a `FrameSlab` chunk: `frame` is a view made when asked
 * for (a reader's short-lived object, cheap to collect), never a copy.
 */
export class SlabEvent implements StoredEvent {
  constructor(
    readonly seq: number,
    readonly type: string,
    readonly agentId: string | undefined,
    readonly runId: string,
    readonly global: number,
    private readonly chunk: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get frame(): Buffer {
    return this.chunk.subarray(this.start, this.end);
  }

  get json(): string {
    // Frame: `id: <seq>\nevent: <type>\ndata: <json>\n\n`; the prefix is ASCII.
    const prefix = 4 + String(this.seq).length + 8 + this.type.length + 7;
    return this.chunk.toString("utf8", this.start + prefix, this.end - 2);
  }
}
