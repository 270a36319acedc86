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
