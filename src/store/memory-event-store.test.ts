import { afterEach, describe, expect, it } from "vitest";
import type { EventDraft } from "../protocol/events.js";
import { describeEventStoreContract } from "./event-store-contract.js";
import { CursorExpired } from "./event-store.js";
import { MemoryEventStore } from "./memory-event-store.js";

// The memory store is the reference implementation of the shared contract.
describeEventStoreContract("memory", (retention, now) => new MemoryEventStore(retention, now));

// What follows is the memory store's own: a store that does not outlive its process.

const RETENTION = { run_ttl_s: 60, max_events_per_run: 1000, max_firehose_events: 1000, max_runs: 10 };
const START = Date.parse("2025-11-20T12:00:00Z");

const delta: EventDraft = {
  type: "agent.delta",
  agent_id: "agent-1",
  message_id: "m",
  kind: "assistant",
  text: "hi",
};
const runCompleted: EventDraft = {
  type: "run.completed",
  status: "completed",
  agents: {},
  metrics: { duration_ms: 1, ttft_ms: null, agents_completed: 0, agents_failed: 0, events: 3 },
};

const stores: MemoryEventStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A store whose clock says `now` (its life began then). */
function storeAt(now: number): MemoryEventStore {
  const store = new MemoryEventStore(RETENTION, () => now);
  stores.push(store);
  return store;
}

/** A run of `events` deltas, ended with run.completed when `ended`. */
function runIn(store: MemoryEventStore, runId: string, events: number, ended: boolean) {
  store.createRun({ runId, panel: null, createdAt: 0 });
  for (let n = 0; n < events; n += 1) store.append(runId, delta);
  if (ended) store.append(runId, runCompleted);
}

describe("MemoryEventStore firehose cursors", () => {
  it("refuses a cursor from an earlier life of the store as expired, even one ahead of the new head", async () => {
    const earlier = storeAt(START);
    runIn(earlier, "fr-old", 5_000, true);
    const oldCursor = (await earlier.firehoseHead()) - 1;
    // A restart one second later: the new life has issued events of its own, fewer than the old.
    const later = storeAt(START + 1_000);
    runIn(later, "fr-new", 3, true);
    await expect(later.readFirehose(oldCursor, 10)).rejects.toBeInstanceOf(CursorExpired);
    await expect(later.readFirehose(oldCursor, 0)).rejects.toThrow(/oldest cursor kept is \d{16}/);
    const head = await later.firehoseHead();
    expect(head).toBeGreaterThan(oldCursor + 1_000);
    expect(Number.isSafeInteger(head)).toBe(true);
  });

  it("numbers its positions one by one from where its life began, readable at once after append", async () => {
    const store = storeAt(START);
    const start = await store.firehoseHead();
    expect(start).toBe(START * 1_000);
    runIn(store, "fr-1", 2, true);
    const all = await store.readFirehose(start, 10);
    expect(all.events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(all.events.map((event) => event.global)).toEqual([start + 1, start + 2, start + 3]);
    expect(await store.readFirehose(start + 3, 10)).toEqual({ events: [], ended: false });
  });
});
