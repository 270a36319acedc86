import { request } from "node:http";
import { StringDecoder } from "node:string_decoder";
import { SseSplitter } from "./sse-splitter.js";

/** What the throttled reader got before it was stopped (or the target ended it). */
export interface ThrottledReaderResult {
  status: number;
  /** Body bytes taken off the socket. */
  bytes: number;
  /** Event frames (with an `id:`) among them, and how many broke the gapless `seq`. */
  frames: number;
  seqErrors: number;
  /** Host ms from the request to `stop()` or to the end of the response. */
  elapsedMs: number;
  /** Set when the response ended or failed before `stop()`: the target cut the reader. */
  endedEarly: string | undefined;
}

/** A reader of `GET /v1/runs/{id}/events` that takes bytes off its socket at a fixed rate. */
export interface ThrottledReader {
  /** Resolves at the first event frame (run.started): the reader is attached. */
  attached: Promise<void>;
  /** Stops reading, closes the connection, and reports. */
  stop(): ThrottledReaderResult;
}

const TICK_MS = 100;

/**
 * Opens `url` on a socket of its own and reads the body at `bytesPerSecond`: every 100 ms it takes
 * a tenth of that from the response, which is otherwise paused. Node stops reading the socket once
 * the response's small buffer is full, so the kernel's buffers fill and then the sender's socket
 * reports backpressure: to the target this is a client on a slow link (scenario E).
 */
export function openThrottledReader(url: string, bytesPerSecond: number): ThrottledReader {
  const startedAt = performance.now();
  const result: ThrottledReaderResult = {
    status: 0,
    bytes: 0,
    frames: 0,
    seqErrors: 0,
    elapsedMs: 0,
    endedEarly: undefined,
  };
  const splitter = new SseSplitter();
  const decoder = new StringDecoder("utf8");
  let lastSeq = 0;
  let stopped = false;
  let onAttached: () => void = () => undefined;
  const attached = new Promise<void>((resolve) => (onAttached = resolve));
  const onFrame = (frame: string) => {
    if (!frame.startsWith("id: ")) return;
    const seq = Number(frame.slice(4, frame.indexOf("\n")));
    if (seq !== lastSeq + 1) result.seqErrors++;
    lastSeq = seq;
    if (result.frames++ === 0) onAttached();
  };
  const perTick = Math.max(1, Math.round((bytesPerSecond * TICK_MS) / 1000));
  let ticker: NodeJS.Timeout | undefined;
  const end = (why: string) => {
    if (stopped || result.endedEarly !== undefined) return;
    result.endedEarly = why;
    result.elapsedMs = performance.now() - startedAt;
    clearInterval(ticker);
  };
  const req = request(url, { agent: false, headers: { accept: "text/event-stream" } });
  req.on("error", (error) => end(error.message));
  req.on("response", (response) => {
    result.status = response.statusCode ?? 0;
    response.pause();
    response.on("end", () => end("the response ended"));
    response.on("error", (error) => end(error.message));
    ticker = setInterval(() => {
      const available = response.readableLength;
      // read(0) asks the stream to refill from the socket when its buffer ran dry.
      const chunk = (
        available > 0 ? response.read(Math.min(perTick, available)) : response.read(0)
      ) as Buffer | null;
      if (!chunk) return;
      result.bytes += chunk.byteLength;
      splitter.push(decoder.write(chunk), onFrame);
    }, TICK_MS);
  });
  req.end();
  return {
    attached,
    stop() {
      if (!stopped && result.endedEarly === undefined) result.elapsedMs = performance.now() - startedAt;
      stopped = true;
      clearInterval(ticker);
      req.destroy();
      return { ...result };
    },
  };
}
