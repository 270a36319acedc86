import fc from "fast-check";

/**
 * Generated Letta-like SSE bodies for the differential tests: every kind of event the SDK's
 * parser treats differently, in every line-ending style, with text that is not ASCII.
 */

/** A line of an event, without its line end: text (encoded as UTF-8) or raw bytes. */
type Line = string | Uint8Array;

export type Framing = "lf" | "crlf" | "cr" | "mixed";

export interface GeneratedBody {
  bytes: Buffer;
  framing: Framing;
  /** Whether a `data: [DONE]` event is in it. */
  hasDone: boolean;
}

const BOM = "\uFEFF";

/** Text with multi-byte characters: accents, CJK, emoji (4-byte UTF-8), lone surrogates. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("é ✓ 中文 😀", "naïve café", "🧪🧪", "", " ", "a:b", "[DONE]", "Bearer"),
);

const lettaMessage = fc.oneof(
  fc.record({
    message_type: fc.constantFrom("assistant_message", "reasoning_message"),
    id: fc.constantFrom("message-1", "message-2"),
    otid: fc.option(fc.constantFrom("otid-1", "otid-2")),
    content: text,
    seq_id: fc.option(fc.nat(1_000)),
    run_id: fc.constant("run-1"),
  }),
  fc.record({
    message_type: fc.constant("ping"),
    run_id: fc.constant("run-1"),
    seq_id: fc.option(fc.nat(9)),
  }),
  fc.record({ message_type: fc.constant("stop_reason"), stop_reason: fc.constantFrom("end_turn", "error") }),
  fc.record({ message_type: fc.constant("usage_statistics"), completion_tokens: fc.nat(100) }),
  fc.record({
    nested: fc.array(fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxLength: 3 }),
  }),
);

const json = lettaMessage.map((message) => JSON.stringify(message));

/** Letta's two error bodies (letta-wire §2.5), other JSON, and text that is not JSON. */
const errorData = fc.oneof(
  fc
    .record({
      message_type: fc.constant("error_message"),
      error_type: fc.constantFrom("llm_error", "internal_error"),
      message: text,
      detail: text,
    })
    .map((body) => JSON.stringify(body)),
  text.map((error) => JSON.stringify({ error, code: "INTERNAL_SERVER_ERROR" }).replace(/,/g, ", ")),
  fc
    .record({ message: fc.oneof(fc.integer(), fc.constant(null), fc.record({ a: text })) })
    .map((body) => JSON.stringify(body)),
  text,
);

/** One event's lines (its empty line is added by the framing). */
const event: fc.Arbitrary<Line[]> = fc.oneof(
  { weight: 8, arbitrary: json.map((data) => [`data: ${data}`]) },
  { weight: 2, arbitrary: json.map((data) => [`data:${data}`]) },
  { weight: 1, arbitrary: json.map((data) => [`data:  ${data}`]) },
  {
    weight: 2,
    // JSON cut over several data lines (joined with \n: valid when cut between tokens).
    arbitrary: fc.tuple(json, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([data, cuts]) => {
      const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
      let start = 0;
      const lines: Line[] = [];
      for (const point of [...points, data.length]) {
        lines.push(`data: ${data.slice(start, point)}`);
        start = point;
      }
      return lines;
    }),
  },
  { weight: 2, arbitrary: text.map((comment) => [`:${comment}`]) },
  { weight: 1, arbitrary: fc.tuple(text, json).map(([comment, data]) => [`: ${comment}`, `data: ${data}`]) },
  { weight: 2, arbitrary: errorData.map((data) => ["event: error", `data: ${data}`]) },
  { weight: 1, arbitrary: fc.constant<Line[]>(["event: error"]) },
  { weight: 1, arbitrary: fc.constant<Line[]>(["event:error", "data: {}"]) },
  { weight: 1, arbitrary: fc.constant<Line[]>(["event:  error", "data: {}"]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("cancelled", "message", "", " "), json)
      .map(([name, data]) => [`event: ${name}`, `data: ${data}`]),
  },
  // An empty event name with nothing else: the SDK keeps it for the next event.
  { weight: 1, arbitrary: fc.constantFrom<Line[]>(["event:"], ["event: "], ["event"]) },
  { weight: 1, arbitrary: json.map((data) => ["id: 7", "retry: 100", `data: ${data}`]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Line[]>(["data: [DONE]"], ["data:[DONE]"], ["data: [DONE] and more"]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Line[]>(['data: {"message_type":'], ["data"], ["data:"], ["data: not json"]),
  },
  { weight: 1, arbitrary: json.map((data) => [`${BOM}data: ${data}`]) },
  { weight: 1, arbitrary: json.map((data) => [`data: ${data}`, BOM]) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 12 })
      .map((bytes) => [
        Uint8Array.from([...Buffer.from("data: "), ...bytes.filter((b) => b !== 10 && b !== 13)]),
      ]),
  },
  { weight: 1, arbitrary: fc.constant([] as Line[]) },
);

const LINE_ENDS = ["\n", "\r\n", "\r"] as const;

/**
 * A body of up to `maxEvents` events, each ended by an empty line, in one framing; sometimes
 * with a last event left without its empty line. `withDone: false` leaves `[DONE]` out.
 */
export function sseBody({
  maxEvents = 12,
  withDone = true,
  framings = ["lf", "crlf", "cr", "mixed"] as Framing[],
} = {}): fc.Arbitrary<GeneratedBody> {
  const events = fc.array(event, { minLength: 1, maxLength: maxEvents });
  return fc
    .record({
      events: withDone ? events : events.map((list) => list.filter((lines) => !isDone(lines))),
      framing: fc.constantFrom<Framing>(...framings),
      mixedEnds: fc.array(fc.nat(2), { minLength: 1, maxLength: 16 }),
      unterminated: fc.boolean(),
    })
    .map(({ events, framing, mixedEnds, unterminated }) => {
      let next = 0;
      const lineEnd = (): string =>
        framing === "lf"
          ? "\n"
          : framing === "crlf"
            ? "\r\n"
            : framing === "cr"
              ? "\r"
              : (LINE_ENDS[mixedEnds[next++ % mixedEnds.length] ?? 0] ?? "\n");
      const parts: Buffer[] = [];
      events.forEach((lines, index) => {
        for (const line of lines) parts.push(Buffer.from(line), Buffer.from(lineEnd()));
        if (!(unterminated && index === events.length - 1)) parts.push(Buffer.from(lineEnd()));
      });
      return { bytes: Buffer.concat(parts), framing, hasDone: events.some(isDone) };
    });
}

function isDone(lines: Line[]): boolean {
  return lines.some((line) => typeof line === "string" && /^data: ?\[DONE\]/.test(line));
}

/** Cut points for a body: up to 8 at random, or none. */
export const cuts = fc.array(fc.nat(), { maxLength: 8 });
