import type { EventStore } from "../src/store/event-store.js";

/** Counts of one window; see {@link countStoreWork}. */
export interface StoreWork {
  runIds: string[];
  appendedEvents: number;
  appendTicks: number;
}

/**
 * Counts, from inside the service process, the runs created and the events appended on `store`,
 * and the event-loop turns in which that happened (a turn ends at the next `setImmediate`, which
 * is when the Redis writer flushes). Wraps the instance's own `createRun` and `append`: a call
 * and a flag per event, the same for both stores, so it leaves their CPU ratio alone.
 */
export function countStoreWork(store: EventStore): { begin(): void; end(): StoreWork } {
  let work: StoreWork = { runIds: [], appendedEvents: 0, appendTicks: 0 };
  let counting = false;
  let inTick = false;
  const tick = () => {
    if (inTick) return;
    inTick = true;
    work.appendTicks++;
    setImmediate(() => (inTick = false));
  };
  const createRun = store.createRun.bind(store);
  const append = store.append.bind(store);
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
  return {
    begin() {
      work = { runIds: [], appendedEvents: 0, appendTicks: 0 };
      counting = true;
    },
    end() {
      counting = false;
      return work;
    },
  };
}
