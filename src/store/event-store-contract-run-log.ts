import { describe, expect, it } from "vitest";
import type { EventDraft } from "../protocol/events.js";
import { CursorExpired } from "./event-store.js";
import type { ContractContext } from "./event-store-contract.js";
import { appendAll, draft, readAllRun, wholeRun, within } from "./event-store-contract-helpers.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** The run log part of the EventStore contract: seqs, content, frames, cursors, waits. */
export function describeRunLogContract(context: ContractContext): void {
  describe("run log", () => {
    it("numbers a run's events 1, 2, 3… in append order and keeps each one's type, agent and content", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      const drafts: EventDraft[] = [
        draft.runStarted(["agent-a", "agent-b"]),
        draft.agentStarted("agent-a"),
        draft.delta("agent-a", "Hel"),
        draft.delta("agent-b", "Hi"),
        draft.delta("agent-a", "lo"),
        draft.agentCompleted("agent-a"),
        draft.agentCompleted("agent-b", "failed"),
        draft.runCompleted({ "agent-a": "completed", "agent-b": "failed" }, "partial"),
      ];
      expect(appendAll(store, runId, drafts).map((event) => event.seq)).toEqual(range(1, 8));

      const events = await readAllRun(store, runId);
      expect(events.map((event) => [event.seq, event.type, event.agentId, event.runId])).toEqual(
        drafts.map((event, index) => [
          index + 1,
          event.type,
          "agent_id" in event ? event.agent_id : undefined,
          runId,
        ]),
      );
      expect(events.map((event) => JSON.parse(event.json) as unknown)).toEqual(
        drafts.map((event, index) => ({
          ...event,
          run_id: runId,
          seq: index + 1,
          ts: expect.any(Number) as unknown,
        })),
      );
    });

    it("encodes each event as the SSE frame id, event and one data line, whatever the agent's text holds", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      const texts = [
        "line one\nline two\r\n",
        "\n\nid: 99\nevent: run.completed\ndata: {}\n\n",
        "é ☃ 🎉 \u2028",
      ];
      appendAll(store, runId, [
        draft.runStarted(["agent-a"]),
        ...texts.map((text) => draft.delta("agent-a", text)),
        draft.runCompleted(),
      ]);
      const events = await readAllRun(store, runId);
      expect(events).toHaveLength(5);
      for (const event of events) {
        const frame = event.frame.toString("utf8");
        expect(frame).toBe(`id: ${event.seq}\nevent: ${event.type}\ndata: ${event.json}\n\n`);
        expect(frame.split("\n")).toHaveLength(5); // three fields, the blank line, nothing forged
      }
      const deltas = events.filter((event) => event.type === "agent.delta");
      expect(deltas.map((event) => (JSON.parse(event.json) as { text: string }).text)).toEqual(texts);
    });

    it("reads exactly the events after any cursor of a run", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      const total = appendAll(store, runId, wholeRun(["agent-a", "agent-b"])).length;
      await readAllRun(store, runId);
      for (let after = 0; after <= total; after += 1) {
        const events = await readAllRun(store, runId, { after });
        expect(events.map((event) => event.seq)).toEqual(range(after + 1, total));
      }
    });

    it("returns at most max events per read, and the next ones on the next read", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      appendAll(store, runId, wholeRun(["agent-a", "agent-b"])); // 8 events
      await readAllRun(store, runId);
      const seqs = async (after: number, max: number) =>
        (await store.readRun(runId, after, max)).events.map((event) => event.seq);
      expect(await seqs(0, 3)).toEqual([1, 2, 3]);
      expect(await seqs(3, 3)).toEqual([4, 5, 6]);
      expect(await seqs(6, 3)).toEqual([7, 8]);
      expect(await seqs(4, 1)).toEqual([5]);
    });

    it("says ended exactly with the run's last event, and never while the run goes on", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      appendAll(store, runId, [draft.runStarted(["agent-a"]), draft.delta("agent-a", "a")]);
      await readAllRun(store, runId, { count: 2 });
      expect((await store.readRun(runId, 0, 10)).ended).toBe(false);

      appendAll(store, runId, [draft.delta("agent-a", "b"), draft.runCompleted()]);
      await readAllRun(store, runId);
      expect(await store.readRun(runId, 0, 3)).toMatchObject({ ended: false });
      expect(await store.readRun(runId, 2, 1)).toMatchObject({ ended: false });
      expect(await store.readRun(runId, 0, 4)).toMatchObject({ ended: true });
      const last = await store.readRun(runId, 3, 10);
      expect(last.events.map((event) => event.type)).toEqual(["run.completed"]);
      expect(last.ended).toBe(true);
    });

    it("reads a cursor at or past the end of an ended run as ended with nothing more (204)", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      const total = appendAll(store, runId, wholeRun(["agent-a"])).length;
      await readAllRun(store, runId);
      expect(await store.readRun(runId, total, 10)).toEqual({ events: [], ended: true });
      expect(await store.readRun(runId, total + 50, 10)).toEqual({ events: [], ended: true });
    });

    it("refuses a cursor beyond the last seq of a run still going, as one it never issued", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      appendAll(store, runId, [
        draft.runStarted(["agent-a"]),
        draft.delta("agent-a", "a"),
        draft.delta("agent-a", "b"),
      ]);
      await readAllRun(store, runId, { count: 3 });
      expect(await store.readRun(runId, 3, 10)).toEqual({ events: [], ended: false });
      await expect(store.readRun(runId, 4, 10)).rejects.toBeInstanceOf(CursorExpired);
      await expect(store.readRun(runId, 4, 10)).rejects.toThrow(/never issued that cursor/);
    });

    it("lets two readers follow a live run from the start, each getting every event once, in order", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      const drafts = wholeRun(["agent-a", "agent-b", "agent-c"]);
      const readers = [readAllRun(store, runId), readAllRun(store, runId, { max: 2 })];
      // Appends over several turns of the event loop, as the fan-out makes them.
      for (const event of drafts) {
        store.append(runId, event);
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (const events of await within(Promise.all(readers), "both readers reach run.completed")) {
        expect(events.map((event) => [event.seq, event.type])).toEqual(
          drafts.map((event, index) => [index + 1, event.type]),
        );
      }
    });

    it("wakes waitRun when an event comes after the cursor, and at once when one is already there", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      store.append(runId, draft.runStarted(["agent-a"]));
      await readAllRun(store, runId, { count: 1 });
      const signal = AbortSignal.timeout(10_000);
      await within(store.waitRun(runId, 0, signal), "waitRun with an event already after the cursor");

      let woken = false;
      const waiting = store.waitRun(runId, 1, signal).then(() => (woken = true));
      await store.hasRun(runId); // a turn (or a round trip) in which nothing was appended
      expect(woken).toBe(false);
      store.append(runId, draft.delta("agent-a", "hi"));
      await within(waiting, "waitRun after a new event");
      expect((await store.readRun(runId, 1, 10)).events.map((event) => event.seq)).toEqual([2]);
    });

    it("wakes waitRun when the run ends, and at once for an ended run", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      store.append(runId, draft.runStarted(["agent-a"]));
      await readAllRun(store, runId, { count: 1 });
      const signal = AbortSignal.timeout(10_000);
      const waiting = store.waitRun(runId, 1, signal);
      store.append(runId, draft.runCompleted());
      await within(waiting, "waitRun when the run ends");
      await within(store.waitRun(runId, 2, signal), "waitRun at the end of an ended run");
      await within(store.waitRun(runId, 50, signal), "waitRun past the end of an ended run");
    });

    it("wakes waitRun when its signal aborts", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      store.append(runId, draft.runStarted(["agent-a"]));
      await readAllRun(store, runId, { count: 1 });
      const controller = new AbortController();
      const waiting = store.waitRun(runId, 1, controller.signal);
      controller.abort();
      await within(waiting, "waitRun after abort");
    });
  });
}
