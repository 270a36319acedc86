import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEventFrame, eventFrameText } from "../protocol/sse-frame.js";
import { FrameSlab } from "./frame-slab.js";
import { LoggedEvent } from "./logged-event.js";

describe("FrameSlab", () => {
  // Any UTF-16 text (lone surrogates included) and sizes that cross chunk boundaries.
  const unit = fc.oneof(
    fc.constantFrom("a", "é", "€", "\u{1f600}", "\ud800", "\udfff", "\n", '"'),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  );
  const json = fc.oneof(
    fc.string({ unit, maxLength: 40 }),
    fc.string({ unit, minLength: 1000, maxLength: 30_000 }),
  );

  it("keeps every frame byte for byte as encodeEventFrame encodes it, also after later frames", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("agent.delta", "run.started"), json), { maxLength: 60 }),
        (entries) => {
          const slab = new FrameSlab();
          const events = entries.map(([type, text], index) =>
            slab.frame(index + 1, type, "a", "r", index + 10, eventFrameText(index + 1, type, text)),
          );
          entries.forEach(([type, text], index) => {
            const event = events[index];
            const expected = LoggedEvent.encode(index + 1, type, "a", "r", index + 10, text);
            expect(event?.frame.equals(encodeEventFrame(index + 1, type, text))).toBe(true);
            expect(event?.json).toBe(expected.json);
            expect(event?.global).toBe(index + 10);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
