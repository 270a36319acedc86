import { describe, expect, it } from "vitest";
import { SseParser, type SseMessage } from "../../src/client/sse-parser.js";

/** Feeds `pieces` one by one and collects every message. */
function parse(pieces: readonly string[], parser = new SseParser()): SseMessage[] {
  return pieces.flatMap((piece) => parser.feed(piece));
}

/** Every way of cutting `text` in two, plus one character at a time. */
function splits(text: string): string[][] {
  const all = [Array.from({ length: text.length }, (_, index) => text.charAt(index))];
  for (let at = 0; at <= text.length; at += 1) all.push([text.slice(0, at), text.slice(at)]);
  return all;
}

describe("SseParser (WHATWG event-stream parsing)", () => {
  it("reads id, event and data, and keeps the last id for frames without one", () => {
    const text = 'id: 7\nevent: agent.delta\ndata: {"a":1}\n\nevent: error\ndata: x\n\n';
    expect(parse([text])).toEqual([
      { type: "agent.delta", data: '{"a":1}', lastEventId: "7", hasId: true },
      { type: "error", data: "x", lastEventId: "7", hasId: false },
    ]);
  });

  it("gives the same messages however the stream is cut into chunks", () => {
    const text = "id: 1\r\nevent: a\r\ndata: one\r\n\r\nid: 2\rdata: two\r\rid: 3\ndata: three\n\n";
    const expected = [
      { type: "a", data: "one", lastEventId: "1", hasId: true },
      { type: "message", data: "two", lastEventId: "2", hasId: true },
      { type: "message", data: "three", lastEventId: "3", hasId: true },
    ];
    for (const pieces of splits(text)) expect(parse(pieces)).toEqual(expected);
  });

  it("joins data lines with newlines, skips comments and unknown fields, and drops one leading space", () => {
    const text = ": ping\n\ndata:first\ndata:  second\n: comment\nfoo: bar\ndata\n\n";
    expect(parse([text])).toEqual([
      { type: "message", data: "first\n second\n", lastEventId: "", hasId: false },
    ]);
  });

  it("takes retry only when it is all digits, and ignores an id holding NUL", () => {
    const parser = new SseParser();
    expect(parse(["retry: 2000\nid: 4\ndata: a\n\nretry: soon\nid: x\0y\ndata: b\n\n"], parser)).toEqual([
      { type: "message", data: "a", lastEventId: "4", hasId: true },
      { type: "message", data: "b", lastEventId: "4", hasId: false },
    ]);
    expect(parser.retryMs).toBe(2000);
  });

  it("dispatches nothing for a frame without data and keeps an unfinished frame pending", () => {
    const parser = new SseParser();
    expect(parse(["event: lonely\n\n", "id: 9\ndata: half"], parser)).toEqual([]);
    expect(parse(["\n\n"], parser)).toEqual([
      { type: "message", data: "half", lastEventId: "9", hasId: true },
    ]);
  });

  it("treats a CR at the end of one chunk and an LF at the start of the next as one line end", () => {
    expect(parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"])).toEqual([
      { type: "message", data: "a\nb", lastEventId: "", hasId: false },
    ]);
  });
});
