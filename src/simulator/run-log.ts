import { endsReader, showsSeqId, type ChunkKind, type DrainListener, type RunSink } from "./run-sink.js";
import type { SseStream } from "./sse-stream.js";

/** One stored chunk; its seq_id is its index + 1. */
interface LogEntry {
  readonly text: string;
  readonly kind: ChunkKind;
}

/** A reader of a run's chunk log: one HTTP stream with its own cursor (letta-wire §1.3). */
class LogReader implements DrainListener {
  /** Index of the next entry to write (= the seq_id of the last one written). */
  cursor: number;
  private waiting = false;

  constructor(
    private readonly log: RunLog,
    readonly stream: SseStream,
    startingAfter: number,
  ) {
    this.cursor = Math.max(0, startingAfter);
    stream.onDrain(this);
  }

  /** Writes what is available; stops when the socket backs up, and ends after the last chunk. */
  pump(): void {
    if (this.waiting) return;
    const entries = this.log.entries;
    const stream = this.stream;
    while (this.cursor < entries.length) {
      if (!stream.writable) return this.log.detach(this);
      const entry = entries[this.cursor];
      this.cursor++;
      if (entry === undefined) continue;
      const ok = stream.send(entry.text, entry.kind, showsSeqId(entry.kind) ? this.cursor : 0);
      if (endsReader(entry.kind)) {
        stream.end();
        return this.log.detach(this);
      }
      if (!ok) {
        this.waiting = true;
        return;
      }
    }
  }

  resume(): void {
    this.waiting = false;
    this.pump();
  }
}

/**
 * A background run's chunk log, the simulator's stand-in for Letta's Redis stream
 * `sse:run:{run_id}` (letta-wire §1.3). The run writes into it without waiting for anybody;
 * every chunk takes the next seq_id, 1, 2, 3 … (pings, stop_reason, usage and [DONE] too, though
 * only frames with a `seq_id` key show it). HTTP responses are readers with their own cursor: the
 * original request reads from 0, a resume from `starting_after`, and each follows live until the
 * [DONE], error or cancellation chunk.
 */
export class RunLog implements RunSink {
  readonly streaming = true;
  /** The stored chunks, already rendered with their seq_id. */
  readonly entries: LogEntry[] = [];
  private readonly readers = new Set<LogReader>();
  private expired = false;

  get nextSeq(): number {
    return this.entries.length + 1;
  }

  write(chunk: string, kind: ChunkKind): boolean {
    if (this.expired) return true;
    this.entries.push({ text: chunk, kind });
    for (const reader of this.readers) reader.pump();
    return true;
  }

  end(): void {
    // Readers end on the final chunk itself.
  }

  onDrain(): void {
    // The log never pushes back: background runs don't wait for readers.
  }

  /** Adds a reader that first replays every chunk with seq_id > startingAfter. */
  attach(stream: SseStream, startingAfter: number): void {
    const reader = new LogReader(this, stream, startingAfter);
    this.readers.add(reader);
    reader.pump();
  }

  /** Removes a reader (its stream ended or closed). */
  detach(reader: LogReader): void {
    this.readers.delete(reader);
  }

  /** Frees the chunks once the run has expired (its TTL passed). */
  expire(): void {
    this.expired = true;
    this.entries.length = 0;
    this.readers.clear();
  }
}
