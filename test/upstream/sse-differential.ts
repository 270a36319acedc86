import Letta, { APIError } from "@letta-ai/letta-client";
import { Stream } from "@letta-ai/letta-client/core/streaming";
import { decodeLettaStream } from "../../src/upstream/letta/decode-letta-stream.js";
import { guardedFetch, type GuardOptions } from "../../src/upstream/letta/guarded-fetch.js";

/** How a body ends after its chunks: closed, failed with this error (a drop), or left open. */
export type BodyEnd = "close" | "open" | Error;

/** What a reader of a Letta stream got: the messages, then how it ended. */
export interface Outcome {
  messages: unknown[];
  /** undefined: the iteration just finished. */
  error?: unknown;
}

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req-1" };

/** A Response whose body delivers `chunks` one per read, then ends as `end` says. */
export function responseOf(chunks: readonly Uint8Array[], end: BodyEnd = "close"): Response {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (end === "close") controller.close();
      else if (end !== "open") controller.error(end);
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

/** A client only for its logger, off: the SDK's Stream would log invalid JSON to the console. */
const quiet = new Letta({ apiKey: "unused", baseURL: "http://letta.test", logLevel: "off" });

/** The SDK's own decoder: its `Stream` over the response. */
export async function sdkOutcome(response: Response): Promise<Outcome> {
  const messages: unknown[] = [];
  try {
    const stream = Stream.fromSSEResponse<unknown>(response, new AbortController(), quiet);
    for await (const message of stream) messages.push(message);
    return { messages };
  } catch (error) {
    return { messages, error };
  }
}

/** Ours: `decodeLettaStream` over the response. */
export async function oursOutcome(response: Response, options?: GuardOptions): Promise<Outcome> {
  const messages: unknown[] = [];
  const iterator = decodeLettaStream(response, options);
  try {
    for (;;) {
      const result = await iterator.next();
      if (result.done) return { messages };
      messages.push(result.value);
    }
  } catch (error) {
    return { messages, error };
  }
}

/** The SDK's `Stream` over a response of `guardedFetch` (the guard, then the SDK's decoder). */
export async function sdkGuardedOutcome(
  chunks: readonly Uint8Array[],
  options: GuardOptions,
  end: BodyEnd = "close",
): Promise<Outcome> {
  const fetchGuarded = guardedFetch(options, () => Promise.resolve(responseOf(chunks, end)));
  return sdkOutcome(await fetchGuarded("http://letta.test/"));
}

/** Ours over a response of `guardedFetch`, as the service reads it (the body under the guard). */
export async function oursGuardedOutcome(
  chunks: readonly Uint8Array[],
  options: GuardOptions,
  end: BodyEnd = "close",
): Promise<Outcome> {
  const fetchGuarded = guardedFetch(options, () => Promise.resolve(responseOf(chunks, end)));
  return oursOutcome(await fetchGuarded("http://letta.test/"));
}

/**
 * An outcome in comparable form: an error becomes its class, message and fields (an APIError's
 * status, body and headers), so that two equal errors made apart compare equal. A drop error is
 * kept as the very object: both readers must throw the one the body failed with.
 */
export function comparable(outcome: Outcome): unknown {
  const { error } = outcome;
  if (error === undefined) return { messages: outcome.messages };
  if (!(error instanceof Error) || error.name === "TypeError") return { messages: outcome.messages, error };
  return {
    messages: outcome.messages,
    error: {
      class: error.constructor.name,
      message: error.message,
      ...(error instanceof APIError
        ? {
            status: error.status as unknown,
            body: error.error as unknown,
            headers: error.headers ? [...(error.headers as unknown as Headers)] : undefined,
          }
        : {}),
    },
  };
}

/** The bytes in chunks cut at `cuts` (any order, duplicates and out-of-range cuts allowed). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Every way to cut `bytes` in two, and byte by byte. */
export function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) ways.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  ways.push(Array.from(bytes, (_, index) => bytes.subarray(index, index + 1)));
  return ways;
}

/**
 * Whether the SDK hands every event to its parser as soon as the event's empty line has come:
 * LF framing (Letta's), where that empty line is a `\n\n` its chunk search finds. With a CR, or
 * a line of only a UTF-8 BOM (empty to its TextDecoder, a byte to its chunk search), it holds the
 * event until later bytes come; ours does not wait.
 */
export function sdkDispatchesAtOnce(bytes: Uint8Array): boolean {
  return !/\r|(^|\n)\uFEFF(\n|$)/.test(Buffer.from(bytes).toString("utf8"));
}
