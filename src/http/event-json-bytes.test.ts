import { describe, expect, it } from "vitest";
import { MemoryEventStore } from "../store/memory-event-store.js";
import { eventJsonBytes } from "./event-json-bytes.js";

describe("eventJsonBytes", () => {
  it("is exactly the event's JSON in UTF-8, for any seq and type", async () => {
    const store = new MemoryEventStore({
      run_ttl_s: 60,
      max_events_per_run: 1000,
      max_firehose_events: 1000,
      max_runs: 10,
    });
    store.createRun({ runId: "fr-1", panel: null, createdAt: 0 });
    for (let n = 0; n < 120; n += 1) {
      const stored = store.append("fr-1", {
        type: "agent.delta",
        agent_id: "agent-1",
        message_id: "m",
        kind: "assistant",
        text: `héllo ✓ "${n}"\n`,
      });
      expect(eventJsonBytes(stored).toString("utf8")).toBe(stored.json);
    }
    await store.close();
  });
});
