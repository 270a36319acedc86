import type { StoreState } from "./event-store.js";
import type { RetentionOptions } from "./memory-event-store.js";
import type { RedisKeys } from "./redis-keys.js";
import type { RedisLink } from "./redis-reads.js";

export interface RedisStoreOptions {
  keys: RedisKeys;
  retention: RetentionOptions;
  link: RedisLink & {
    sendRaw(args: (string | Buffer)[]): Promise<unknown>;
    /** PING, given up when `signal` aborts. */
    ping(signal: AbortSignal): Promise<unknown>;
    /** Whether the command connection is up right now. */
    isReady(): boolean;
  };
  /** Subscribes the subscriber connection to a channel; resolves once Redis confirmed it. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Unsubscribes the subscriber connection from a channel. */
  unsubscribe(channel: string): Promise<void>;
  /** Closes the connections. */
  disconnect(): Promise<void>;
  /**
   * Events appended here but not yet in Redis, at most (config `redis.max_backlog_events`): past
   * it, the service ends its runs (see `onBacklogFull`) instead of buffering without bound.
   */
  maxBacklog: number;
  /** This instance's id in leases; unique per process. */
  owner: string;
  /** How long a run's lease lasts without renewal, and how often it is renewed (config `redis`). */
  leaseMs: number;
  renewMs: number;
  now?: () => number;
}

/** A Redis that takes longer than this to answer PING is not one to send readers to. */
const PING_BUDGET_MS = 1_000;

/**
 * The store's part of `/readyz`: `unreachable` while the connection is down or writes fail,
 * `timeout` when PING takes over a second. The race is ours: a command already on the wire
 * cannot be aborted, its answer would just come late.
 */
export function checkRedis(
  link: RedisStoreOptions["link"],
  writesFailing: boolean,
  signal: AbortSignal,
): Promise<StoreState> {
  if (!link.isReady() || writesFailing) return Promise.resolve("unreachable");
  const budget = AbortSignal.any([signal, AbortSignal.timeout(PING_BUDGET_MS)]);
  const timedOut = new Promise<StoreState>((resolve) => {
    if (budget.aborted) resolve("timeout");
    budget.addEventListener("abort", () => resolve("timeout"), { once: true });
  });
  const answered = link.ping(budget).then(
    (): StoreState => "ok",
    (): StoreState => (budget.aborted ? "timeout" : "unreachable"),
  );
  return Promise.race([answered, timedOut]);
}
