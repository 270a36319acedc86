import { request, type Agent, type IncomingHttpHeaders } from "node:http";
import { StringDecoder } from "node:string_decoder";
import type { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { hostNow } from "./delta-text.js";

/** One streaming HTTP request of the load client. */
export interface SseRequestOptions {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  agent: Agent;
  /** The whole request, headers to end of body; then it is destroyed and reported as timed out. */
  timeoutMs: number;
}

/** How a streaming request ended. */
export interface SseRequestResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Bytes on the wire (body, after any content-encoding: what the socket carried). */
  bytes: number;
  /** Host-clock time the request was sent, and the first body byte arrived. */
  sentAt: number;
  firstByteAt: number | undefined;
  error: string | undefined;
}

/** A running request: `done` settles (never rejects) when the body ends, fails or is aborted. */
export interface SseRequest {
  done: Promise<SseRequestResult>;
  abort(reason: string): void;
}

/**
 * Sends a request with plain `node:http` (web streams would cost the load client more than the
 * targets it measures) and hands every decoded piece of body text to `onText` with the host time
 * it became readable, undoing gzip, deflate or br first when the response is encoded.
 */
export function sseRequest(
  options: SseRequestOptions,
  onText: (text: string, receivedAt: number) => void,
): SseRequest {
  const result: SseRequestResult = {
    status: 0,
    headers: {},
    bytes: 0,
    sentAt: hostNow(),
    firstByteAt: undefined,
    error: undefined,
  };
  let settle: (value: SseRequestResult) => void = () => undefined;
  const done = new Promise<SseRequestResult>((resolve) => (settle = resolve));
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (error !== undefined && result.error === undefined) result.error = error;
    settle(result);
  };
  const req = request(options.url, {
    method: options.method,
    headers: options.headers,
    agent: options.agent,
  });
  const timer = setTimeout(() => {
    result.error = `timed out after ${options.timeoutMs} ms`;
    req.destroy();
    finish();
  }, options.timeoutMs);
  req.on("error", (error) => finish(error.message));
  req.on("response", (response) => {
    result.status = response.statusCode ?? 0;
    result.headers = response.headers;
    const text = new StringDecoder("utf8");
    const deliver = (chunk: Buffer) => {
      const decoded = text.write(chunk);
      if (decoded.length > 0) onText(decoded, hostNow());
    };
    const decompressor = decompressorFor(response.headers["content-encoding"]);
    if (decompressor) {
      decompressor.on("data", deliver);
      decompressor.on("end", () => finish());
      decompressor.on("error", (error: Error) => finish(`decompression failed: ${error.message}`));
    }
    response.on("data", (chunk: Buffer) => {
      result.bytes += chunk.byteLength;
      result.firstByteAt ??= hostNow();
      if (decompressor) decompressor.write(chunk);
      else deliver(chunk);
    });
    response.on("end", () => {
      if (decompressor) decompressor.end();
      else finish();
    });
    response.on("error", (error) => finish(error.message));
    response.on("close", () => {
      if (!response.complete) finish("connection closed before the end of the body");
    });
  });
  result.sentAt = hostNow();
  req.end(options.body);
  return {
    done,
    abort(reason) {
      req.destroy();
      finish(reason);
    },
  };
}

function decompressorFor(encoding: string | undefined): Transform | undefined {
  switch (encoding) {
    case "gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      return undefined;
  }
}
