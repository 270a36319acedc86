import { describe, expect, it } from "vitest";
import { isAgentId, newRunId, newToolCallId, otidFor } from "./letta-ids.js";

describe("Letta ids", () => {
  it("derives otids like Message.generate_otid_from_id: low 7 bits = index", () => {
    const uuid = "6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b2c";
    expect(otidFor(uuid, 0)).toBe("6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b00");
    expect(otidFor(uuid, 1)).toBe("6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b01");
    // The high bit of the last byte survives.
    expect(otidFor("6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1bff", 3)).toBe("6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b83");
  });

  it("accepts only agent-<uuid4> ids, like Letta's path validator", () => {
    expect(isAgentId("agent-0b1a6f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b")).toBe(true);
    expect(isAgentId("agent-0b1a6f8e-3c2d-1e5f-8a9b-1c2d3e4f5a6b")).toBe(false);
    expect(isAgentId("agent-0B1A6F8E-3c2d-4e5f-8a9b-1c2d3e4f5a6b")).toBe(false);
    expect(isAgentId("agent-123")).toBe(false);
  });

  it("makes run and tool call ids in Letta's and OpenAI's formats", () => {
    expect(newRunId()).toMatch(/^run-[0-9a-f-]{36}$/);
    expect(newToolCallId()).toMatch(/^call_[0-9a-f]{24}$/);
  });
});
