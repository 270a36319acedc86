import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventDraft } from "../protocol/events.js";
import { stampJson } from "./stamp-json.js";

describe("stampJson", () => {
  it("puts run_id, seq and ts right after type and keeps every field", () => {
    const draft: EventDraft = {
      type: "agent.delta",
      agent_id: "a",
      message_id: "m",
      kind: "assistant",
      text: 'q"\n',
    };
    const json = stampJson(draft, JSON.stringify("fr-1"), 7, 123);
    expect(json).toBe(
      '{"type":"agent.delta","run_id":"fr-1","seq":7,"ts":123,"agent_id":"a","message_id":"m","kind":"assistant","text":"q\\"\\n"}',
    );
  });

  it("falls back to a copy when a draft does not start with type", () => {
    const draft = { agent_id: "a", type: "agent.queued", position: 1 } as EventDraft;
    expect(JSON.parse(stampJson(draft, '"r"', 1, 2))).toEqual({
      type: "agent.queued",
      run_id: "r",
      seq: 1,
      ts: 2,
      agent_id: "a",
      position: 1,
    });
  });
});

/** What stampJson gave before agent.delta had its own encoder: the generic path. */
function viaStringify(draft: EventDraft, runIdJson: string, seq: number, ts: number): string {
  const json = JSON.stringify(draft);
  const typeEnd = 10 + draft.type.length;
  return `${json.slice(0, typeEnd)},"run_id":${runIdJson},"seq":${seq},"ts":${ts}${json.slice(typeEnd)}`;
}

describe("stampJson of agent.delta", () => {
  // Any UTF-16 text: lone surrogates, controls, quotes, backslashes, U+2028/2029, emoji.
  const unit = fc.oneof(
    fc.constantFrom('"', "\\", "\n", "\u2028", "\u0000", "\ud800", "\udfff", "\u{1f600}"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  );
  const text = fc.string({ unit });

  it("writes the same bytes as JSON.stringify of the stamped draft", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            agent_id: fc.oneof(text, fc.constantFrom("agent-1", "agent-2")),
            message_id: fc.oneof(text, fc.constantFrom("m-1", "m-2")),
            kind: fc.constantFrom("assistant" as const, "reasoning" as const),
            text,
          }),
          { minLength: 1, maxLength: 8 },
        ),
        text,
        fc.nat(),
        fc.nat({ max: 2 ** 50 }),
        (deltas, runId, seq, ts) => {
          const runIdJson = JSON.stringify(runId);
          for (const { agent_id, message_id, kind, text: deltaText } of deltas) {
            const draft: EventDraft = { type: "agent.delta", agent_id, message_id, kind, text: deltaText };
            expect(stampJson(draft, runIdJson, seq, ts)).toBe(viaStringify(draft, runIdJson, seq, ts));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
