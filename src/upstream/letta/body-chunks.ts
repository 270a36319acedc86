import type { Readable } from "node:stream";
import { drainThenCancel } from "./guard-sse-body.js";

/** A response body read chunk by chunk: from a web stream (fetch) or a Node stream (node:http). */
export interface BodyChunks {
  /** The chunks that came since the last call (at least one), or null at the end; throws what the body failed with. */
  read(): Promise<Buffer[] | null>;
  /** Stop reading and let the connection go. */
  cancel(): void;
  /** The answer is complete: read what follows (bounded in time and bytes) and drop it, then let go. */
  finish(): void;
}

/**
 * How much a Node body reads ahead of its reader before it pauses the socket. What was read is
 * kept when the connection then breaks (a Node stream drops its own buffer when destroyed), as
 * fetch keeps what its body stream queued.
 */
const PAUSE_BYTES = 65_536;

/** After the end of an answer, how long and how much is read before the body is cancelled. */
const AFTER_DONE_MS = 1_000;
const AFTER_DONE_BYTES = 65_536;

/** A fetch body: one `read()` of its reader per chunk. */
export function webBodyChunks(body: ReadableStream<Uint8Array>): BodyChunks {
  const reader = body.getReader();
  return {
    async read() {
      const { done, value } = await reader.read();
      return done ? null : [Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
    },
    cancel: () => void reader.cancel().catch(() => undefined),
    finish: () => drainThenCancel(reader),
  };
}

/**
 * A Node body: its `data` events, every chunk that came while the reader was busy handed over in
 * one `read()` (one promise per batch, none per chunk). It is paused once 64 KiB wait, so a slow
 * reader holds back the socket, not memory. Listens from the moment it is made: make it as soon
 * as the response is there.
 */
export function nodeBodyChunks(stream: Readable): BodyChunks {
  let waiting: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  let waitingBytes = 0;
  const onData = (chunk: Buffer): void => {
    waiting.push(chunk);
    waitingBytes += chunk.length;
    if (wake) wakeUp();
    else if (waitingBytes >= PAUSE_BYTES) stream.pause();
  };
  // What happened before this reader came: an error, or a close before the end.
  if (stream.errored) failure = stream.errored;
  else if (stream.destroyed && !stream.readableEnded) failure = new TypeError("terminated");
  ended = stream.readableEnded;
  stream.on("data", onData);
  stream.once("end", () => {
    ended = true;
    wakeUp();
  });
  stream.once("error", (error: Error) => {
    failure ??= error;
    wakeUp();
  });
  stream.once("close", () => {
    // Closed before its end, without an error of its own: the connection broke off.
    if (!ended) failure ??= new TypeError("terminated");
    wakeUp();
  });
  /** What the reader gets now: the waiting chunks, else the failure, else the end. */
  const settle = (): Promise<Buffer[] | null> => {
    if (waiting.length > 0) {
      const chunks = waiting;
      waiting = [];
      waitingBytes = 0;
      return Promise.resolve(chunks);
    }
    return failure ? Promise.reject(failure) : Promise.resolve(null);
  };
  return {
    read() {
      stream.resume();
      if (waiting.length > 0 || failure || ended) return settle();
      return new Promise((resolve) => {
        wake = () => resolve(settle());
      });
    },
    cancel: () => void stream.destroy(),
    finish: () => {
      stream.off("data", onData);
      if (ended) return;
      let bytes = 0;
      const timer = setTimeout(() => stream.destroy(), AFTER_DONE_MS);
      timer.unref();
      stream.once("close", () => clearTimeout(timer));
      stream.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > AFTER_DONE_BYTES) stream.destroy();
      });
      stream.resume();
    },
  };
}
