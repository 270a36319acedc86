import { Stream } from "@letta-ai/letta-client/core/streaming";
import { describe, expect, it } from "vitest";
import { EventTooLarge, guardedFetch } from "./guarded-fetch.js";
import { SseEventSplitter } from "./sse-event-splitter.js";
import { createScrubber } from "../../scrub-secrets.js";

// The guard sits between undici and the SDK's SSE parser. A differential test proves it changes
// nothing the SDK yields: the same bodies, split at every byte, parsed by the SDK with and
// without the guard, give the same items and the same errors.

const ping = '{"message_type":"ping","run_id":"run-1","seq_id":1}';
const text = (n: number) => `{"message_type":"assistant_message","otid":"o-1","content":"piece ${n} é ✓"}`;
const LF_BODY = [
  `data: ${ping}\n\n`,
  `data: ${text(1)}\n\n`,
  ": a comment\n\n",
  `id: 7\nevent: \ndata: ${text(2)}\n\n`,
  "event: cancelled\ndata: {}\n\n",
  `data: {"message_type":"stop_reason",\ndata: "stop_reason":"end_turn"}\n\n`,
  'data: {"message_type":"usage_statistics","completion_tokens":3}\n\n',
  "data: [DONE]\n\n",
  `data: ${text(3)}\n\n`,
].join("");
const ERROR_BODY = `data: ${ping}\n\ndata: ${text(1)}\n\nevent: error\ndata: {"message":"LLM down"}\n\n`;

/** The same events with other line endings the SSE spec allows. */
const framings: Record<string, (body: string) => string> = {
  lf: (body) => body,
  crlf: (body) => body.replaceAll("\n", "\r\n"),
  cr: (body) => body.replaceAll("\n", "\r"),
  mixed: (body) => {
    const endings = ["\r\n", "\n", "\r", "\r\n", "\r"];
    let index = 0;
    // Never a lone CR right before an LF: that would read as one CRLF, not two line ends.
    return body.replace(/\n/g, () => {
      const next = endings[index++ % endings.length] ?? "\n";
      return next;
    });
  },
};

function response(chunks: readonly Uint8Array[], { close = true } = {}): Response {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (close) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

async function parse(response: Response): Promise<unknown[]> {
  const seen: unknown[] = [];
  try {
    for await (const item of Stream.fromSSEResponse<unknown>(response, new AbortController()))
      seen.push(item);
  } catch (error) {
    seen.push({ threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  return seen;
}

async function guarded(chunks: readonly Uint8Array[], max = 1 << 20, options?: { close?: boolean }) {
  const fetchGuarded = guardedFetch({ maxEventBytes: max, scrub: (text) => text }, () =>
    Promise.resolve(response(chunks, options)),
  );
  return parse(await fetchGuarded("http://letta.test/"));
}

/** Every way to cut `bytes` in two, and byte by byte. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) ways.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  ways.push(Array.from(bytes, (_, index) => bytes.subarray(index, index + 1)));
  return ways;
}

describe("guardedFetch: what the SDK yields is unchanged", () => {
  for (const [name, frame] of Object.entries(framings)) {
    it(`gives the SDK the same items for ${name} framing, cut at every byte`, async () => {
      for (const body of [LF_BODY, ERROR_BODY]) {
        const bytes = Buffer.from(frame(body));
        const expected = await parse(response([bytes]));
        expect(expected.length).toBeGreaterThan(2);
        for (const chunks of splits(bytes)) expect(await guarded(chunks)).toEqual(expected);
      }
    });
  }

  it("ends the body after [DONE] even when the server never closes it", async () => {
    const bytes = Buffer.from(LF_BODY);
    const items = await guarded([bytes], 1 << 20, { close: false });
    expect(items).toEqual(await parse(response([bytes])));
    expect(items.at(-1)).toEqual({ message_type: "usage_statistics", completion_tokens: 3 });
  });
});

describe("guardedFetch: the event size limit", () => {
  const small = Array.from({ length: 400 }, (_, n) => `data: ${text(n)}\n\n`).join("");

  for (const [name, frame] of Object.entries(framings)) {
    it(`lets any number of small ${name} events through a limit far below their total`, async () => {
      const bytes = Buffer.from(frame(small));
      expect(bytes.length).toBeGreaterThan(20_000);
      const items = await guarded([bytes], 4_096);
      expect(items).toHaveLength(400);
      expect(items.at(-1)).toEqual(JSON.parse(text(399)));
    });

    it(`fails one ${name} event larger than the limit, however it is cut`, async () => {
      const big = Buffer.from(frame(`data: ${ping}\n\ndata: {"pad":"${"x".repeat(5_000)}"}\n\n`));
      for (const chunks of [[big], [big.subarray(0, 100), big.subarray(100)]]) {
        const items = await guarded(chunks, 4_096);
        // With CR line ends the SDK holds an event until the byte after its last CR (it could be
        // the LF of a CRLF), so the event right before the failure may not be parsed yet.
        const before: unknown[] = name === "cr" ? [] : [JSON.parse(ping)];
        expect(items).toEqual([...before, { threw: `EventTooLarge: ${new EventTooLarge(4_096).message}` }]);
      }
    });
  }
});

/** Where events end by the SSE spec, one character at a time: the reference. */
function referenceBoundaries(body: string): number[] {
  const ends: number[] = [];
  let lineEmpty = true;
  for (let index = 0; index < body.length; index++) {
    const char = body[index];
    if (char !== "\r" && char !== "\n") {
      lineEmpty = false;
      continue;
    }
    const end = char === "\r" && body[index + 1] === "\n" ? ++index + 1 : index + 1;
    if (lineEmpty) ends.push(end);
    lineEmpty = true;
  }
  return ends;
}

describe("SseEventSplitter", () => {
  it("finds the boundaries the SSE spec defines, in every framing and however the bytes are cut", () => {
    for (const frame of Object.values(framings)) {
      const body = frame(LF_BODY + ERROR_BODY);
      const expected = referenceBoundaries(body);
      expect(expected.length).toBeGreaterThan(10);
      const bytes = Buffer.from(body, "latin1");
      for (const chunks of splits(bytes)) {
        const splitter = new SseEventSplitter();
        const ends: number[] = [];
        let offset = 0;
        for (const chunk of chunks) {
          for (const end of splitter.split(chunk)) ends.push(offset + end);
          offset += chunk.length;
        }
        // A boundary that ends with a CR at the end of one chunk is reported there; the LF of
        // that CRLF opens the next chunk. Both mean the same boundary.
        expect(ends.map((end) => (body[end - 1] === "\r" && body[end] === "\n" ? end + 1 : end))).toEqual(
          expected,
        );
      }
    }
  });

  it("treats \\n\\r\\n, \\r\\n\\n and \\r\\r\\n as one boundary each and a lone CRLF as none", () => {
    const splitter = new SseEventSplitter();
    expect([...splitter.split(Buffer.from("a\n\r\nb\r\n\nc\r\r\nd\r\ne"))]).toEqual([4, 8, 12]);
  });
});

describe("guardedFetch: secrets in upstream text", () => {
  const KEY = "sk-letta-secret-4f2a";
  const scrub = createScrubber([KEY]);
  const fetchOf = (make: () => Response) =>
    guardedFetch({ maxEventBytes: 1 << 20, scrub }, () => Promise.resolve(make()));

  it("scrubs an error response's body before the SDK reads it", async () => {
    const body = JSON.stringify({ detail: `Unauthorized: got Authorization: Bearer ${KEY}` });
    const answer = await fetchOf(
      () => new Response(body, { status: 401, headers: { "content-length": "99" } }),
    )("x");
    expect(answer.status).toBe(401);
    const text = await answer.text();
    expect(text).toBe(JSON.stringify({ detail: "Unauthorized: got Authorization: Bearer [redacted]" }));
    expect(answer.headers.get("content-length")).toBeNull();
  });

  it("scrubs an error event however it is cut, and leaves the agent's single-line messages alone", async () => {
    const message = `{"message_type":"assistant_message","content":"my key is ${KEY}"}`;
    const bytes = Buffer.from(
      `data: ${message}\n\nevent: error\ndata: {"message":"bad header Bearer ${KEY}","detail":"${KEY}"}\n\n`,
    );
    for (const chunks of splits(bytes)) {
      const items = await parse(await fetchOf(() => response(chunks))("x"));
      expect(items).toEqual([JSON.parse(message), { threw: "Error: bad header Bearer [redacted]" }]);
    }
  });
});
