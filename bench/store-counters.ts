import type { EventStore } from "../src/store/event-store.js";

/** Counts of one window; see {@link countStoreWork}. */
export interface StoreWork {
  runIds: string[];
  appendedEvents: number;
  writeTicks: number;
}

/**
 * Counts, from inside the service process, the runs created and the events appended on `store`,
 * and the event-loop turns in which the service wrote anything to it (a run, events, an agent's
 * progress; a turn ends at the next `setImmediate`, which is when the Redis writer flushes).
 * Wraps the instance's own `createRun`, `append` and `progress`: a call and a flag per event, the
 * same for both stores, so it leaves their CPU ratio alone.
 */
export function countStoreWork(store: EventStore): { begin(): void; end(): StoreWork } {
  let work: StoreWork = { runIds: [], appendedEvents: 0, writeTicks: 0 };
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
      work = { runIds: [], appendedEvents: 0, writeTicks: 0 };
      counting = true;
    },
    end() {
      counting = false;
      return work;
    },
  };
}
