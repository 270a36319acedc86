/**
 * What a chunk is, so that a sink can count it, number it and know when a reader is done:
 * `message` = an agent message event (reasoning, assistant, tool call, tool return), which is
 * what fault positions (`after_events`) count.
 */
export type ChunkKind = "ping" | "message" | "stop" | "usage" | "error" | "done" | "cancel";

/** Whether a chunk of this kind carries a `"seq_id"` key (letta-wire §1.3: stop_reason, usage and [DONE] don't). */
export function showsSeqId(kind: ChunkKind): boolean {
  return kind === "message" || kind === "ping" || kind === "error";
}

/** Whether a reader of a run's chunk log stops after a chunk of this kind (letta-wire §1.3). */
export function endsReader(kind: ChunkKind): boolean {
  return kind === "done" || kind === "error" || kind === "cancel";
}

/** Someone waiting for a sink to accept writes again. */
export interface DrainListener {
  resume(): void;
}

/**
 * Where a run's chunks go: straight to one HTTP response (foreground), into the run's chunk log
 * (background), or into a JSON body (non-streaming).
 */
export interface RunSink {
  /** false for a non-streaming (JSON) request: cancellation then ends the loop Letta's other way. */
  readonly streaming: boolean;
  /** The `seq_id` the next chunk will get: a number in background mode, else null. */
  readonly nextSeq: number | null;
  /** Takes one chunk. false = the reader is backed up; the sink calls `resume()` when it drains. */
  write(chunk: string, kind: ChunkKind): boolean;
  /** No more chunks will come. */
  end(): void;
  /** Registers the producer to resume after a false `write`. */
  onDrain(listener: DrainListener): void;
}
