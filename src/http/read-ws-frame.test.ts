import { describe, expect, it } from "vitest";
import { readWsFrame } from "./read-ws-frame.js";

const AGENT = "agent-00000000-0000-4000-8000-000000000001";

describe("readWsFrame", () => {
  it("passes a run.create body on without type and request_id", () => {
    const text = JSON.stringify({ type: "run.create", request_id: "r1", message: "hi", agent_ids: [AGENT] });
    expect(readWsFrame(text, 1024)).toEqual({
      ok: true,
      frame: { type: "run.create", request_id: "r1", body: { message: "hi", agent_ids: [AGENT] } },
    });
  });

  it("reads a cursor given as a decimal string or a number", () => {
    for (const after of ["41", 41]) {
      expect(readWsFrame(JSON.stringify({ type: "subscribe", run_id: "fr-1", after }), 1024)).toEqual({
        ok: true,
        frame: { type: "subscribe", run_id: "fr-1", after: 41 },
      });
    }
  });

  it("echoes the request_id of an invalid frame and names each bad path", () => {
    const result = readWsFrame(JSON.stringify({ type: "run.cancel", request_id: "x", extra: 1 }), 1024);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.requestId).toBe("x");
    expect(result.error.code).toBe("validation_failed");
    expect(result.error.extra.details?.map((detail) => detail.path).sort()).toEqual(["extra", "run_id"]);
  });

  it("measures the limit in UTF-8 bytes", () => {
    const frame = JSON.stringify({ type: "ping", request_id: "é".repeat(40) });
    expect(readWsFrame(frame, 100)).toMatchObject({ ok: false, error: { code: "payload_too_large" } });
    expect(readWsFrame(frame, 200)).toMatchObject({ ok: true });
  });
});
