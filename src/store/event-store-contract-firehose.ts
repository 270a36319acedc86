import { describe, expect, it } from "vitest";
import { CursorExpired, type StoredEvent } from "./event-store.js";
import type { ContractContext } from "./event-store-contract.js";
import { appendAll, draft, readAllFirehose, wholeRun, within } from "./event-store-contract-helpers.js";

const where = (events: readonly StoredEvent[]) => events.map((event) => [event.runId, event.seq, event.type]);

/** The firehose part of the EventStore contract: order, positions, panel filter, head, waits. */
export function describeFirehoseContract(context: ContractContext): void {
  describe("firehose", () => {
    it("carries every run's events in append order, at increasing positions after the head it had", async () => {
      const store = await context.open();
      const head = await store.firehoseHead();
      const first = context.createRun(store);
      const second = context.createRun(store);
      const appended = [first, second, first, first, second, second, first, second].map((runId, index) =>
        store.append(runId, index < 6 ? draft.delta("agent-a", `${index}`) : draft.runCompleted()),
      );
      const { events } = await readAllFirehose(store, head, appended.length);
      expect(where(events)).toEqual(where(appended));
      const positions = events.map((event) => event.global);
      expect(positions[0]).toBeGreaterThan(head);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
      expect(await store.firehoseHead()).toBe(positions.at(-1));
    });

    it("reads exactly the events after any firehose cursor, at most max per read", async () => {
      const store = await context.open();
      const head = await store.firehoseHead();
      const runId = context.createRun(store);
      const total = appendAll(store, runId, wholeRun(["agent-a", "agent-b"])).length;
      const { events } = await readAllFirehose(store, head, total);
      for (const [index, event] of events.entries()) {
        const rest = await store.readFirehose(event.global, 1_000);
        expect(rest.events.map((later) => later.seq)).toEqual(
          events.slice(index + 1).map((later) => later.seq),
        );
      }
      const firstTwo = await store.readFirehose(head, 2);
      expect(firstTwo.events.map((event) => event.seq)).toEqual([1, 2]);
    });

    it("follows one panel: only its runs' events, in order, with the cursor moving past the others'", async () => {
      const store = await context.open();
      const head = await store.firehoseHead();
      const ours = context.createRun(store, { panel: "duo" });
      const theirs = context.createRun(store, { panel: "trio" });
      const unpaneled = context.createRun(store);
      const say = (runId: string) => store.append(runId, draft.delta("agent-a", runId));
      // Another panel's events first, readable before ours come, so the firehose surely starts with them.
      [theirs, theirs].forEach(say);
      await readAllFirehose(store, head, 2);
      const later = [ours, unpaneled, theirs, ours, ours, theirs, unpaneled].map(say);
      const all = await readAllFirehose(store, head, 2 + later.length); // everything readable

      // The first two events are another panel's: nothing to show, but the cursor moves on.
      const skipped = await store.readFirehose(head, 2, "duo");
      expect(skipped.events).toEqual([]);
      expect(skipped.next).toBe(all.events[1]?.global);

      const oneByOne = await readAllFirehose(store, head, 3, { panel: "duo", max: 1 });
      expect(where(oneByOne.events)).toEqual(where(all.events.filter((event) => event.runId === ours)));
      expect(oneByOne.events.map((event) => event.seq)).toEqual([1, 2, 3]);
      const tail = await store.readFirehose(oneByOne.cursor, 100, "duo");
      expect(tail.events).toEqual([]);
      expect(tail.next ?? oneByOne.cursor).toBe(await store.firehoseHead());
    });

    it("starts a reader at the head on what comes next, and refuses a cursor beyond the head as never issued", async () => {
      const store = await context.open();
      const start = await store.firehoseHead();
      const runId = context.createRun(store);
      appendAll(store, runId, [draft.runStarted(["agent-a"]), draft.delta("agent-a", "old")]);
      const before = await readAllFirehose(store, start, 2);
      const head = await store.firehoseHead();
      expect(head).toBe(before.events.at(-1)?.global);
      expect(await store.readFirehose(head, 10)).toEqual({ events: [], ended: false });
      await expect(store.readFirehose(head + 1, 10)).rejects.toBeInstanceOf(CursorExpired);
      await expect(store.readFirehose(head + 1, 10)).rejects.toThrow(/never issued that cursor/);

      store.append(runId, draft.delta("agent-a", "new"));
      const { events } = await readAllFirehose(store, head, 1);
      expect(events.map((event) => JSON.parse(event.json) as unknown)).toEqual([
        expect.objectContaining({ seq: 3, text: "new" }),
      ]);
    });

    it("wakes waitFirehose when any run appends, and when its signal aborts", async () => {
      const store = await context.open();
      const head = await store.firehoseHead();
      const controller = new AbortController();
      let woken = false;
      const waiting = store.waitFirehose(head, controller.signal).then(() => (woken = true));
      await store.firehoseHead(); // a turn (or a round trip) in which nothing was appended
      expect(woken).toBe(false);
      const runId = context.createRun(store);
      store.append(runId, draft.runStarted(["agent-a"]));
      await within(waiting, "waitFirehose after an append");
      const { events } = await readAllFirehose(store, head, 1);

      const aborted = store.waitFirehose(events[0]?.global ?? head, controller.signal);
      controller.abort();
      await within(aborted, "waitFirehose after abort");
    });
  });
}
