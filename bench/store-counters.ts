import type { EventStore } from "../src/store/event-store.js";
import { RedisEventStore } from "../src/store/redis-event-store.js";
import type { WriterCounts } from "../src/store/redis-run-writer.js";

/** Counts of one window; see {@link countStoreWork}. */
export interface StoreWork {
  runIds: string[];
  appendedEvents: number;
  writeTicks: number;
  /** What the Redis writer sent in the window (its own counters); undefined on memory. */
  writer: WriterCounts | undefined;
}

/**
 * Counts, from inside the service process, the runs created and the events appended on `store`,
 * and the event-loop turns in which the service wrote anything to it (a run, events, an agent's
 * progress; a turn ends at the next `setImmediate`, which is when the Redis writer flushes).
 * Wraps the instance's own `createRun`, `append` and `progress`: a call and a flag per event, the
 * same for both stores, so it leaves their CPU ratio alone. On Redis, also takes the writer's own
 * counts (flushes, script calls, NOSCRIPT loads) at both ends, so that its calls are told apart
 * from the other scripts Redis runs for the instance (lease renewal and takeover claims).
 */
export function countStoreWork(store: EventStore): { begin(): void; end(): StoreWork } {
  const writes = () => (store instanceof RedisEventStore ? { ...store.writes } : undefined);
  let work: StoreWork = { runIds: [], appendedEvents: 0, writeTicks: 0, writer: undefined };
  let writesAtBegin: WriterCounts | undefined;
  let counting = false;
  let inTick = false;
  const tick = () => {
    if (inTick) return;
    inTick = true;
    work.writeTicks++;
    setImmediate(() => (inTick = false));
  };
  const createRun = store.createRun.bind(store);
  const append = store.append.bind(store);
  const progress = store.progress.bind(store);
  store.createRun = (meta) => {
    if (counting) {
      work.runIds.push(meta.runId);
      tick();
    }
    createRun(meta);
  };
  store.append = (runId, draft) => {
    if (counting) {
      work.appendedEvents++;
      tick();
    }
    return append(runId, draft);
  };
  store.progress = (runId, agentId, value) => {
    if (counting) tick();
    progress(runId, agentId, value);
  };
  return {
    begin() {
      work = { runIds: [], appendedEvents: 0, writeTicks: 0, writer: undefined };
      writesAtBegin = writes();
      counting = true;
    },
    end() {
      counting = false;
      const now = writes();
      if (now && writesAtBegin) {
        work.writer = {
          flushes: now.flushes - writesAtBegin.flushes,
          calls: now.calls - writesAtBegin.calls,
          scriptLoads: now.scriptLoads - writesAtBegin.scriptLoads,
        };
      }
      return work;
    },
  };
}
