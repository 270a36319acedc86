import { describe, expect, it } from "vitest";
import { CursorExpired, type EventStore } from "./event-store.js";
import type { ContractContext } from "./event-store-contract.js";
import {
  appendAll,
  DEADLINE_MS,
  draft,
  eventually,
  readAllRun,
  wholeRun,
} from "./event-store-contract-helpers.js";

const listed = async (store: EventStore, limit = 100, after?: string) =>
  (await store.listRuns(limit, after)).map((run) => run.run_id);

/**
 * Events appended past a retention of 4: enough that a store trimming whole chunks (Redis
 * `MAXLEN ~` drops whole stream nodes of 100 entries) has dropped some.
 */
const OVERFLOW = 300;

/** Why reading `read` fails: the CursorExpired it rejects with (the test fails otherwise). */
async function expiredBy(read: Promise<unknown>): Promise<CursorExpired> {
  const error = await read.then(
    () => new Error("the read succeeded"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CursorExpired);
  return error as CursorExpired;
}

/** Snapshots, run lists and retention of the EventStore contract. */
export function describeRunQueriesContract(context: ContractContext): void {
  describe("runs", () => {
    it("says it is ok when it can take and serve events", async () => {
      const store = await context.open();
      expect(await store.check(AbortSignal.timeout(5_000))).toBe("ok");
    });

    it("knows the runs it holds, and has neither a snapshot nor a list entry for others", async () => {
      const store = await context.open();
      const runId = context.createRun(store);
      store.append(runId, draft.runStarted(["agent-a"]));
      await readAllRun(store, runId, { count: 1 });
      expect(await store.hasRun(runId)).toBe(true);
      expect(await store.hasRun("fr-unknown")).toBe(false);
      expect(await store.snapshot("fr-unknown")).toBeUndefined();
      expect(await listed(store)).toEqual([runId]);
    });

    it("lists a run's follow-ups in its snapshot, oldest first, while it runs and after it ended", async () => {
      const store = await context.open();
      const parent = context.createRun(store);
      appendAll(store, parent, wholeRun(["agent-a"]));
      await readAllRun(store, parent);
      const first = context.createRun(store, { parentRunId: parent });
      store.append(first, draft.runStarted(["agent-a"]));
      const second = context.createRun(store, { parentRunId: parent });
      await store.persisted(second, DEADLINE_MS);
      await store.persisted(first, DEADLINE_MS);
      expect((await store.snapshot(parent))?.follow_ups).toEqual([first, second]);
      expect((await store.snapshot(first))?.follow_ups).toBeUndefined();
    });

    it("folds a run into its snapshot: each agent's text and reasoning, statuses, then the run's status", async () => {
      const store = await context.open();
      const createdAt = context.now();
      const runId = context.createRun(store, { createdAt });
      appendAll(store, runId, [
        draft.runStarted(["agent-a", "agent-b"], { "agent-a": "Analyst" }),
        draft.agentStarted("agent-a"),
        draft.delta("agent-a", "think", "reasoning"),
        draft.delta("agent-a", "Hel"),
        draft.delta("agent-a", "lo"),
      ]);
      const running = await eventually(async () => {
        const snapshot = await store.snapshot(runId);
        return snapshot?.last_seq === 5 && snapshot;
      }, "a snapshot up to seq 5");
      expect(running).toMatchObject({
        run_id: runId,
        status: "running",
        created_at: new Date(createdAt).toISOString(),
      });
      expect(running.completed_at).toBeUndefined();
      expect(running.agents["agent-a"]).toMatchObject({
        label: "Analyst",
        status: "running",
        text: "Hello",
        reasoning: "think",
      });
      expect(running.agents["agent-b"]).toMatchObject({ status: "pending", text: "" });

      const runCompleted = draft.runCompleted({ "agent-a": "completed", "agent-b": "failed" }, "partial");
      appendAll(store, runId, [
        draft.delta("agent-b", "Hi"),
        draft.agentCompleted("agent-a"),
        draft.agentCompleted("agent-b", "failed"),
        runCompleted,
      ]);
      const [lastEvent] = (await readAllRun(store, runId)).slice(-1);
      const ended = await store.snapshot(runId);
      expect(ended).toMatchObject({
        status: "partial",
        last_seq: 9,
        options: { complete_when: "all" },
        completed_at: new Date((JSON.parse(lastEvent?.json ?? "{}") as { ts: number }).ts).toISOString(),
        metrics: runCompleted.type === "run.completed" ? runCompleted.metrics : undefined,
      });
      expect(ended?.agents["agent-a"]).toMatchObject({
        status: "completed",
        text: "Hello",
        stop_reason: "end_turn",
      });
      expect(ended?.agents["agent-b"]).toMatchObject({
        status: "failed",
        text: "Hi",
        error: { code: "upstream_error", message: "agent-b failed upstream" },
      });
      const [summary] = await store.listRuns(1, undefined);
      expect(summary).toEqual({
        run_id: runId,
        status: "partial",
        created_at: new Date(createdAt).toISOString(),
        completed_at: ended?.completed_at,
        panel: null,
        agents: 2,
      });
    });

    it("lists runs newest first, a page at a time after a run id", async () => {
      const store = await context.open();
      const start = context.now();
      const ids = [0, 1, 2, 3, 4].map((index) => {
        const runId = context.createRun(store, {
          panel: index % 2 === 0 ? "duo" : null,
          createdAt: start + index,
        });
        appendAll(
          store,
          runId,
          index < 3 ? wholeRun(["agent-a"]) : [draft.runStarted(["agent-a", "agent-b"])],
        );
        return runId;
      });
      const newestFirst = [...ids].reverse();
      await eventually(async () => (await listed(store)).length === 5, "five runs listed");
      expect(await listed(store)).toEqual(newestFirst);
      expect(await listed(store, 2)).toEqual(newestFirst.slice(0, 2));
      expect(await listed(store, 2, newestFirst[1])).toEqual(newestFirst.slice(2, 4));
      expect(await listed(store, 2, newestFirst[3])).toEqual(newestFirst.slice(4));
      const summaries = await store.listRuns(5, undefined);
      expect(
        summaries.map((run) => [run.status, run.panel, run.agents, run.completed_at !== undefined]),
      ).toEqual([
        ["running", "duo", 2, false],
        ["running", null, 2, false],
        ["completed", "duo", 1, true],
        ["completed", null, 1, true],
        ["completed", "duo", 1, true],
      ]);
    });
  });

  describe("retention", () => {
    it("drops the oldest ended runs beyond max_runs, never a running one", async () => {
      const store = await context.open({ max_runs: 2 });
      const running = context.createRun(store);
      store.append(running, draft.runStarted(["agent-a"]));
      const ended = [1, 2, 3].map(() => {
        const runId = context.createRun(store);
        appendAll(store, runId, wholeRun(["agent-a"]));
        return runId;
      });
      const last = ended[2] ?? "";
      await readAllRun(store, last);
      await eventually(
        async () => (await listed(store)).join() === [last, running].join(),
        "only the newest ended run and the running one",
      );
      for (const runId of ended.slice(0, 2)) {
        expect(await store.hasRun(runId)).toBe(false);
        expect(await store.snapshot(runId)).toBeUndefined();
      }
      expect((await readAllRun(store, running, { count: 1 })).map((event) => event.type)).toEqual([
        "run.started",
      ]);
    });

    it("forgets an ended run run_ttl_s after it ended, and keeps a running one", async () => {
      const store = await context.open({ run_ttl_s: 1 });
      const running = context.createRun(store);
      store.append(running, draft.runStarted(["agent-a"]));
      const ended = context.createRun(store);
      appendAll(store, ended, wholeRun(["agent-a"]));
      await readAllRun(store, ended);
      if (context.expiry === "clock") {
        expect(await store.hasRun(ended)).toBe(true); // the clock has not moved: still within its TTL
        context.advanceClock(2_000);
      }
      await eventually(async () => !(await store.hasRun(ended)), "the ended run to expire");
      expect(await store.snapshot(ended)).toBeUndefined();
      expect(await listed(store)).toEqual([running]);
      expect(await store.hasRun(running)).toBe(true);
      expect((await store.snapshot(running))?.status).toBe("running");
    });

    it("refuses a run cursor older than max_events_per_run keeps, naming the oldest kept; from there it is gapless", async () => {
      const store = await context.open({ max_events_per_run: 4 });
      const runId = context.createRun(store);
      const deltas = Array.from({ length: OVERFLOW }, (_, index) => draft.delta("agent-a", `${index}`));
      const total = appendAll(store, runId, [
        draft.runStarted(["agent-a"]),
        ...deltas,
        draft.runCompleted(),
      ]).length;
      await readAllRun(store, runId, { after: total - 1 });

      const expired = await expiredBy(store.readRun(runId, 0, 1_000));
      const oldest = Number(expired.oldestCursor);
      expect(oldest).toBeGreaterThan(0);
      expect(oldest).toBeLessThanOrEqual(total - 4); // at least max_events_per_run kept
      expect(expired.message).toContain(`oldest cursor kept is ${oldest}`);
      await expiredBy(store.readRun(runId, oldest - 1, 1_000));
      const kept = await readAllRun(store, runId, { after: oldest });
      expect(kept.map((event) => event.seq)).toEqual(
        Array.from({ length: total - oldest }, (_, index) => oldest + 1 + index),
      );
    });

    it("refuses a firehose cursor older than max_firehose_events keeps, naming the oldest kept; from there it is gapless", async () => {
      const store = await context.open({ max_firehose_events: 4 });
      const head = await store.firehoseHead();
      const runId = context.createRun(store);
      const deltas = Array.from({ length: OVERFLOW }, (_, index) => draft.delta("agent-a", `${index}`));
      const total = appendAll(store, runId, [
        draft.runStarted(["agent-a"]),
        ...deltas,
        draft.runCompleted(),
      ]).length;

      const { expired, kept } = await eventually(async () => {
        const error = await store.readFirehose(head, 1_000).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        if (!(error instanceof CursorExpired)) return undefined;
        const batch = await store.readFirehose(Number(error.oldestCursor), 1_000).catch(() => undefined);
        return batch?.events.at(-1)?.seq === total && { expired: error, kept: batch.events };
      }, "the firehose trimmed to its newest events, all readable");
      expect(expired.message).toContain(`oldest cursor kept is ${expired.oldestCursor}`);
      expect(kept.length).toBeGreaterThanOrEqual(4);
      const seqs = kept.map((event) => event.seq);
      expect(seqs).toEqual(
        Array.from({ length: kept.length }, (_, index) => total - kept.length + 1 + index),
      );
      expect(kept[0]?.global).toBeGreaterThan(Number(expired.oldestCursor));
    });
  });
}
