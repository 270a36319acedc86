import type { ChunkKind, DrainListener, RunSink } from "./run-sink.js";
import type { SseStream } from "./sse-stream.js";

interface Pending {
  readonly chunk: string;
  readonly kind: ChunkKind;
}

/**
 * The sink of a foreground run whose response headers are withheld (a `slow_headers` fault on a
 * conversation send): the run is already producing, as in Letta, which started it before the
 * headers were lost. Chunks wait here until the response opens ({@link attach}), then go out in
 * order with the stream's backpressure; if the client left first ({@link abandon}) they go
 * nowhere, like Letta's output after a client disconnect.
 */
export class DeferredSink implements RunSink, DrainListener {
  readonly streaming = true;
  readonly nextSeq = null;
  private pending: Pending[] = [];
  private target: SseStream | null = null;
  private abandoned = false;
  private ended = false;
  private producer: DrainListener | null = null;
  private producerWaiting = false;

  write(chunk: string, kind: ChunkKind): boolean {
    if (this.abandoned) return true;
    if (this.target !== null && this.pending.length === 0) {
      if (this.target.write(chunk, kind)) return true;
      this.producerWaiting = true;
      return false;
    }
    this.pending.push({ chunk, kind });
    if (this.target === null) return true;
    this.producerWaiting = true;
    return false;
  }

  end(): void {
    this.ended = true;
    if (this.target !== null && this.pending.length === 0) this.target.end();
  }

  onDrain(listener: DrainListener): void {
    this.producer = listener;
  }

  /** The response opened: sends what waited, then passes chunks straight through. */
  attach(stream: SseStream): void {
    if (this.abandoned) return;
    this.target = stream;
    stream.onDrain(this);
    this.resume();
  }

  /** The client left before the response opened: drops everything. */
  abandon(): void {
    this.abandoned = true;
    this.pending = [];
    if (this.producerWaiting) this.producer?.resume();
  }

  /** The stream drained: sends the next waiting chunks, then lets the producer go on. */
  resume(): void {
    const target = this.target;
    if (target === null) return;
    let sent = 0;
    for (const next of this.pending) {
      sent++;
      if (!target.write(next.chunk, next.kind)) break;
    }
    this.pending = sent === this.pending.length ? [] : this.pending.slice(sent);
    if (this.pending.length > 0) return;
    if (this.ended) return target.end();
    if (this.producerWaiting) {
      this.producerWaiting = false;
      this.producer?.resume();
    }
  }
}
