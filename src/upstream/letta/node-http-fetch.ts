import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { nodeBodyChunks, type BodyChunks } from "./body-chunks.js";
import { lazyBodyResponse } from "./lazy-body-response.js";

/** What `nodeHttpFetch` answers an event stream with, besides the Response: its chunks. */
const nodeBodies = new WeakMap<Response, BodyChunks>();

/**
 * The body of a `text/event-stream` response of `nodeHttpFetch` as the socket's Buffers, for a
 * reader that does without the web-stream layer (`decodeLettaStream`). Once only, and only while
 * nothing read `response.body` (both read the same chunks): undefined otherwise.
 */
export function takeNodeBody(response: Response): BodyChunks | undefined {
  const body = nodeBodies.get(response);
  nodeBodies.delete(response);
  return body;
}

/** Let a Response's body through one too: `guardedFetch` answers with a Response of its own. */
export function passNodeBody(from: Response, to: Response): void {
  const body = takeNodeBody(from);
  if (body) nodeBodies.set(to, body);
}

/** Statuses whose responses have no body (Fetch standard "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the Letta SDK over `node:http`/`node:https` with keep-alive agents, so that a
 * streaming body reaches `decodeLettaStream` as the socket's own Buffers, without undici's fetch
 * and a web stream (a promise per chunk) between them. What the SDK sees is what `fetch` gives:
 * a `Response` with the status, headers and body (a web stream, made only if someone reads it:
 * error bodies, JSON answers, the SDK's own `Stream`), gzip/deflate/br bodies decoded, a
 * `TypeError("fetch failed")` for a request that fails, an `AbortError` when `init.signal` aborts
 * before the headers, and a body that fails with the same `AbortError` when it aborts after them.
 * A dropped connection fails the body with `TypeError("terminated")`, undici's words.
 *
 * Requests it does not handle (a `Request` object, a body that is not a string or bytes, another
 * scheme) go to the platform's `fetch`.
 */
export function nodeHttpFetch({ keepAliveMs = 4_000 }: { keepAliveMs?: number } = {}): typeof fetch {
  // A connection idle this long in the pool is closed (undici's keepAliveTimeout, 4 s), before a
  // server closes it under a request (uvicorn's default is 5 s). A quiet stream is not idle for
  // the agent: its socket only notifies, and the core's idle timer decides.
  // No Nagle: a request is one write, but a body sent after its headers (or a second request on
  // the socket while an ACK is outstanding) would otherwise wait for the peer's delayed ACK.
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, timeout: keepAliveMs, noDelay: true }),
    "https:": new HttpsAgent({ keepAlive: true, timeout: keepAliveMs, noDelay: true }),
  };
  return (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const body = init?.body ?? undefined;
    if (
      input instanceof Request ||
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init);
    }
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError());
    const headers = plainHeaders(init?.headers);
    if (body !== undefined) {
      headers["content-type"] ??= "text/plain;charset=UTF-8";
      headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.length);
    }
    headers["accept-encoding"] ??= "gzip, deflate"; // what undici's fetch asks for
    return new Promise<Response>((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(url, {
        method: init?.method ?? "GET",
        headers,
        agent: url.protocol === "https:" ? agents["https:"] : agents["http:"],
      });
      let answered: Readable | undefined;
      const onAbort = (): void => {
        const error = abortError();
        if (answered) answered.destroy(error);
        else reject(error);
        request.destroy(error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const release = (): void => signal?.removeEventListener("abort", onAbort);
      request.on("error", (error) => {
        release();
        if (!answered) reject(new TypeError("fetch failed", { cause: error }));
      });
      request.on("response", (message) => {
        const stream = decoded(message);
        answered = stream;
        stream.once("close", release);
        // An event stream is listened to at once: what comes before the first read is kept even
        // if the connection then breaks (a destroyed Node stream drops its buffer; fetch keeps it).
        const type = message.headers["content-type"] ?? "";
        const chunks = type.toLowerCase().startsWith("text/event-stream")
          ? nodeBodyChunks(stream)
          : undefined;
        const response = toResponse(message, stream, chunks, init?.method === "HEAD");
        if (chunks) nodeBodies.set(response, chunks);
        resolve(response);
      });
      request.end(body);
    });
  };
}

/**
 * The request's headers as node:http takes them, names in lower case. The SDK gives a `Headers`,
 * read as it is (a copy of it, as `new Headers(headers)` makes, costs more than the request).
 */
function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (init === undefined) return headers;
  if (init instanceof Headers) {
    init.forEach((value, name) => (headers[name] = value));
    return headers;
  }
  for (const [name, value] of new Headers(init)) headers[name] = value;
  return headers;
}

/** The body decoded as `fetch` would (content-encoding), failing as undici does on a drop. */
function decoded(message: IncomingMessage): Readable {
  // Its errors go to whoever reads the body; one that nobody reads must not crash the process.
  message.on("error", () => undefined);
  const encoding = (message.headers["content-encoding"] ?? "").trim().toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  const stream: Readable = decoder ? message.pipe(decoder) : message;
  if (decoder) {
    message.on("error", (error) => decoder.destroy(error));
    decoder.on("close", () => message.destroy());
  }
  // A connection that broke off during the body fails it with undici's words, so that the error
  // and every message made from it read the same (node:http says "aborted", ECONNRESET).
  const destroy = message.destroy.bind(message);
  message.destroy = (error?: Error) =>
    destroy(
      (error as { code?: unknown } | undefined)?.code === "ECONNRESET"
        ? new TypeError("terminated", { cause: new Error("other side closed", { cause: error }) })
        : error,
    );
  return stream;
}

function toResponse(
  message: IncomingMessage,
  stream: Readable,
  chunks: BodyChunks | undefined,
  head: boolean,
): Response {
  // As pairs: the Response fills its Headers from them once (a Headers of our own would be copied).
  const headers: [string, string][] = [];
  const raw = message.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    headers.push([raw[index] ?? "", raw[index + 1] ?? ""]);
  }
  const status = message.statusCode ?? 0;
  const init = { status, statusText: message.statusMessage ?? "", headers };
  if (head || NULL_BODY.has(status)) {
    if (chunks) chunks.cancel();
    else stream.resume();
    return new Response(null, init);
  }
  // An event stream's web body is made only if someone reads it: `decodeLettaStream` never does.
  if (chunks) return lazyBodyResponse(() => webStreamOf(chunks), init);
  return new Response(lazyWebStream(stream), init);
}

/** A web stream over the chunks (for whoever reads `response.body` of an event stream). */
function webStreamOf(chunks: BodyChunks): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const read = await chunks.read();
        if (read === null) return controller.close();
        for (const chunk of read) controller.enqueue(chunk);
      },
      cancel: () => chunks.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/** A web stream of `stream`, attached only when first read: unread, `stream` stays free. */
function lazyWebStream(stream: Readable): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (Readable.toWeb(stream) as ReadableStream<Uint8Array>).getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: async (reason) => {
        if (reader) await reader.cancel(reason);
        else stream.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}

function abortError(): DOMException {
  return new DOMException("This operation was aborted", "AbortError");
}
