import { APIError } from "@letta-ai/letta-client";
import type { Scrub } from "../../scrub-secrets.js";
import { EventTooLarge } from "./guard-sse-body.js";

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;

export interface LettaSseDecoderOptions {
  /** `limits.max_upstream_event_bytes`; `Infinity` for no bound. */
  maxEventBytes: number;
  /** Applied to every field of an event of more than one line (Letta's `event: error` frames). */
  scrub: Scrub;
  /** The response's headers, which the SDK puts on the `APIError` of an `event: error`. */
  headers: Headers;
}

/**
 * Letta's SSE body decoded into the messages the SDK's `Stream` yields (SDK 1.12.1,
 * `core/streaming.js`: `iterSSEChunks` → `LineDecoder` → `SSEDecoder` → `Stream.fromSSEResponse`),
 * in one pass over the bytes, with the guard of `guardSseBody` built in.
 *
 * - Lines end with LF, CRLF or CR, in any mix and split anywhere. A line is decoded once, from
 *   the chunk it lies in (a view); only a line that spans chunks is copied, once.
 * - Fields as the SDK reads them: `:` comments, `event:`, `data:` lines joined with `\n`, one
 *   leading space dropped, a UTF-8 BOM at the start of a line dropped (its `TextDecoder` does
 *   that, so a line of only a BOM is an empty line). An empty line dispatches, unless both the
 *   event name and the data are empty; then an empty event name is kept for the next event, as the
 *   SDK keeps it.
 * - What a dispatched event gives, as in `Stream.fromSSEResponse`: data starting with `[DONE]`
 *   ends the stream; `event: error` fails it with the SDK's `APIError` (no status, the data's JSON
 *   as `error`); no event name yields `JSON.parse(data)` (its `SyntaxError` fails the stream);
 *   any other event name is dropped.
 * - The guard (`guardSseBody`): an event of more than `maxEventBytes` bytes (from the end of the
 *   previous empty line to the end of its own) fails the stream with `EventTooLarge` once the
 *   events before it are out; the fields of an event of more than one line are scrubbed.
 *
 * One difference, on purpose: the SDK hands an event to its parser only once its byte buffer
 * holds `\n\n`, `\r\r` or `\r\n\r\n` after it (and a trailing CR only with the byte after it), so
 * an event ended by `\n\r\n`, or any CR-framed event, waits for the next one. This decoder
 * dispatches at the empty line itself. On a body that ends or fails in-band both give the same;
 * on a connection that drops, this one may have yielded the last event the SDK still held.
 *
 * @example
 *   const decoder = new LettaSseDecoder({ maxEventBytes: 1 << 20, scrub, headers });
 *   decoder.push(chunk); // then take decoder.messages; decoder.failure / decoder.finished
 *   decoder.end();       // at the end of the body
 */
export class LettaSseDecoder {
  /** The messages decoded so far and not taken yet, in order. The reader empties it. */
  readonly messages: unknown[] = [];
  /** Set when the stream failed in-band: to be thrown after `messages`. */
  failure: Error | undefined;
  /** `[DONE]` came, or the stream failed: nothing more is decoded. */
  finished = false;

  private readonly maxEventBytes: number;
  private readonly scrub: Scrub;
  private readonly headers: Headers;
  /** The start of a line that began in earlier chunks (views of them, not copies). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The last chunk ended with a CR: an LF first in the next one belongs to that line end. */
  private afterCr = false;
  /** Bytes of the event in progress, its ended lines with their line ends (for the bound). */
  private eventBytes = 0;
  /** Non-empty lines of the event in progress (more than one: scrubbed). */
  private lines = 0;
  /** The SDK's `SSEDecoder` state: event name, data lines. */
  private eventName: string | null = null;
  private data: string | undefined;
  private moreData: string[] | undefined;

  constructor(options: LettaSseDecoderOptions) {
    this.maxEventBytes = options.maxEventBytes;
    this.scrub = options.scrub;
    this.headers = options.headers;
  }

  /** Decodes one chunk of the body. */
  push(chunk: Buffer): void {
    if (this.finished) return;
    const length = chunk.length;
    let at = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (length > 0 && chunk[0] === LF) {
        at = 1;
        this.eventBytes++;
      }
    }
    let nextLf = chunk.indexOf(LF, at);
    let nextCr = chunk.indexOf(CR, at);
    while (at < length) {
      if (nextLf !== -1 && nextLf < at) nextLf = chunk.indexOf(LF, at);
      if (nextCr !== -1 && nextCr < at) nextCr = chunk.indexOf(CR, at);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (end === -1) break;
      let next = end + 1;
      if (chunk[end] === CR) {
        if (next === length) this.afterCr = true;
        else if (chunk[next] === LF) next++;
      }
      this.eventBytes += this.partialBytes + next - at;
      if (this.eventBytes > this.maxEventBytes) return this.fail(new EventTooLarge(this.maxEventBytes));
      if (this.partialBytes === 0) this.line(chunk, at, end);
      else this.line(this.takePartial(chunk.subarray(at, end)), 0, -1);
      if (this.isFinished()) return;
      at = next;
    }
    if (at < length) {
      this.partial.push(at === 0 ? chunk : chunk.subarray(at));
      this.partialBytes += length - at;
      if (this.eventBytes + this.partialBytes > this.maxEventBytes) {
        this.fail(new EventTooLarge(this.maxEventBytes));
      }
    }
  }

  /** `finished`, read where a narrowing from before a call would say it cannot have changed. */
  private isFinished(): boolean {
    return this.finished;
  }

  /** The body ended: a last line without its line end is read as a line (the SDK's `flush`). */
  end(): void {
    if (this.finished || this.partialBytes === 0) return;
    this.line(this.takePartial(undefined), 0, -1);
  }

  /** The held start of a line and its rest, as one Buffer (the only copy a line can cost). */
  private takePartial(rest: Buffer | undefined): Buffer {
    if (rest !== undefined) this.partial.push(rest);
    const whole = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return whole;
  }

  /** One line, `bytes[start, end)` without its line end (`end` -1: to the end of `bytes`). */
  private line(bytes: Buffer, start: number, end: number): void {
    if (end === -1) end = bytes.length;
    if (start === end) return this.emptyLine(true);
    this.lines++;
    // Letta's every message: `data: <json>`, read without making the line a string first.
    if (
      end - start >= 5 &&
      bytes[start] === 0x64 &&
      bytes[start + 1] === 0x61 &&
      bytes[start + 2] === 0x74 &&
      bytes[start + 3] === 0x61 &&
      bytes[start + 4] === COLON
    ) {
      const from = start + 5 < end && bytes[start + 5] === SPACE ? start + 6 : start + 5;
      return this.addData(bytes.toString("utf8", from, end));
    }
    let text = bytes.toString("utf8", start, end);
    if (text.charCodeAt(0) === BOM) {
      text = text.slice(1);
      // Empty for the SDK, but a line for the guard: the event's byte count and lines go on.
      if (text === "") return this.emptyLine(false);
    }
    if (text.charCodeAt(0) === COLON) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    if (field === "data") this.addData(value);
    else if (field === "event") this.eventName = value;
  }

  private addData(value: string): void {
    if (this.data === undefined) this.data = value;
    else (this.moreData ??= []).push(value);
  }

  /** An empty line: the SDK's dispatch; `boundary`: an event boundary for the guard as well. */
  private emptyLine(boundary: boolean): void {
    const multiline = this.lines > 1;
    if (boundary) {
      this.lines = 0;
      this.eventBytes = 0;
    }
    if (!this.eventName && this.data === undefined) return;
    const scrub = multiline ? this.scrub : undefined;
    let data = this.data ?? "";
    if (this.moreData !== undefined) data = [data, ...this.moreData].map(scrub ?? same).join("\n");
    else if (scrub) data = scrub(data);
    const name = this.eventName === null || !scrub ? this.eventName : scrub(this.eventName);
    this.eventName = null;
    this.data = undefined;
    this.moreData = undefined;
    if (data.startsWith("[DONE]")) {
      this.finished = true;
      return;
    }
    if (name === "error") {
      return this.fail(new APIError(undefined, safeJson(data) ?? data, undefined, this.headers));
    }
    if (name !== null) return;
    try {
      this.messages.push(JSON.parse(data));
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    this.finished = true;
    this.partial = [];
    this.partialBytes = 0;
  }
}

const same = (text: string): string => text;

/** The SDK's `safeJSON`: the parsed JSON, or undefined. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
