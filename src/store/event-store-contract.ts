import { afterEach, describe } from "vitest";
import type { EventStore } from "./event-store.js";
import { describeFirehoseContract } from "./event-store-contract-firehose.js";
import { describeRunLogContract } from "./event-store-contract-run-log.js";
import { describeRunQueriesContract } from "./event-store-contract-runs.js";
import type { RetentionOptions } from "./memory-event-store.js";

/**
 * Makes a store for one test. Each call must give a store that sees nothing of earlier ones
 * (for a shared store: a fresh key prefix). `now` is the clock the suite controls; a store that
 * stamps `ts` or sweeps by a clock should use it.
 */
export type MakeEventStore = (
  retention: RetentionOptions,
  now: () => number,
) => Promise<EventStore> | EventStore;

export interface EventStoreContractOptions {
  /** After each test, once the store is closed (`await store.close()`): delete the store's keys. */
  cleanup?: (store: EventStore) => Promise<void> | void;
  /**
   * How ended runs expire after `run_ttl_s`: `"clock"` (default), swept by the clock the store
   * was given, which the suite moves past the TTL; `"real-time"`, by real time (Redis EXPIRE),
   * which the suite waits out with a TTL of 1 s.
   */
  expiry?: "clock" | "real-time";
}

/** What the parts of the suite share: a store per test, fresh run ids, the clock. */
export interface ContractContext {
  /** A store with the suite's retention (generous) overridden by `retention`; closed after the test. */
  open(retention?: Partial<RetentionOptions>): Promise<EventStore>;
  /** Creates a run in `store` and returns its id (unique in the test run). */
  createRun(
    store: EventStore,
    options?: { panel?: string | null; createdAt?: number; parentRunId?: string },
  ): string;
  /** The clock given to the store: real time plus what {@link advanceClock} added. */
  readonly now: () => number;
  readonly advanceClock: (ms: number) => void;
  readonly expiry: "clock" | "real-time";
}

const RETENTION: RetentionOptions = {
  run_ttl_s: 600,
  max_events_per_run: 10_000,
  max_firehose_events: 10_000,
  max_runs: 1_000,
};

/**
 * The EventStore contract (event-store.ts) as a vitest suite, run against every store: the
 * memory store (the reference) and the Redis store must both pass it unchanged. It checks what
 * a reader would notice: seqs, order, frames, cursors and 410s, the ended flag, the firehose and
 * its panel filter, waits, snapshots, run lists and retention. Appends are synchronous but a
 * shared store makes them readable only once durable, so every read follows a deadline-bound
 * wait (event-store-contract-helpers.ts); nothing sleeps.
 *
 * @example
 *   // memory-event-store.test.ts
 *   describeEventStoreContract("memory", (retention, now) => new MemoryEventStore(retention, now));
 *   // a Redis store, on the test file's own redis-server
 *   const redis = useRedisServer();
 *   describeEventStoreContract("redis", (retention, now) => openRedisStore(redis.url, redis.keyPrefix(), retention, now), {
 *     cleanup: (store) => (store as RedisEventStore).disconnect(),
 *     expiry: "real-time",
 *   });
 */
export function describeEventStoreContract(
  name: string,
  makeStore: MakeEventStore,
  options: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    const opened: EventStore[] = [];
    let clockOffset = 0;
    let runs = 0;
    afterEach(async () => {
      for (const store of opened.splice(0)) {
        await store.close();
        await options.cleanup?.(store);
      }
      clockOffset = 0;
    });
    const context: ContractContext = {
      async open(retention = {}) {
        const store = await makeStore({ ...RETENTION, ...retention }, context.now);
        opened.push(store);
        return store;
      },
      createRun(store, { panel = null, createdAt = context.now(), parentRunId } = {}) {
        runs += 1;
        const runId = `fr-contract-${runs}`;
        store.createRun({ runId, panel, createdAt, ...(parentRunId === undefined ? {} : { parentRunId }) });
        return runId;
      },
      now: () => Date.now() + clockOffset,
      advanceClock: (ms) => {
        clockOffset += ms;
      },
      expiry: options.expiry ?? "clock",
    };
    describeRunLogContract(context);
    describeFirehoseContract(context);
    describeRunQueriesContract(context);
  });
}
