import { AppError } from "../errors.js";

const WINDOW_MS = 60_000;

/**
 * Clients whose run budgets are tracked at once. Only clients with a run started in the last
 * minute (or being started) are tracked; with auth on there are at most as many as tokens.
 */
export const MAX_TRACKED_CLIENTS = 10_000;

/** One run being started: `commit()` once it started (it spends budget), else `release()`. */
export interface RunSlot {
  /** The run started: its start counts toward the client's budget for one minute. */
  commit(): void;
  /** The run did not start (refused, invalid, client gone): it spends nothing. No-op after `commit()`. */
  release(): void;
}

interface ClientWindow {
  /** When this client's runs of the last minute started, oldest first. */
  starts: number[];
  /** Slots reserved and not yet committed or released: they hold budget while the run is planned. */
  pending: number;
}

const FREE_SLOT: RunSlot = { commit: () => undefined, release: () => undefined };

/**
 * `limits.max_runs_per_minute` per client (API.md §5 `429 rate_limited`): a sliding window of
 * run starts per client key (`clientKey`). Only runs that start spend budget: a request is given
 * a slot before its body is read, which holds budget while the run is planned (so concurrent
 * requests cannot overshoot) and is given back if the run does not start (400, 404, 413, 422,
 * 503). Clients whose window is empty are forgotten (checked once per window, and whenever the
 * table is full). At most `maxClients` are tracked: a client never loses its window while it
 * is non-empty (which would hand it a fresh budget), so at the cap a new client is refused with
 * `503 overloaded` until the first tracked window empties.
 */
export class RunRateLimiter {
  private readonly clients = new Map<string, ClientWindow>();
  private lastSweep: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxClients = MAX_TRACKED_CLIENTS,
  ) {
    this.lastSweep = now();
  }

  /** How many clients are tracked right now. */
  get trackedClients(): number {
    return this.clients.size;
  }

  /**
   * Reserves one run start for `client`: throws 429 when its budget is spent (with the seconds
   * until a slot frees), or 503 when the table of clients is full and `client` is not in it.
   */
  reserve(client: string): RunSlot {
    if (this.perMinute === 0) return FREE_SLOT;
    const now = this.now();
    if (now - this.lastSweep >= WINDOW_MS) this.sweep(now);
    let window = this.clients.get(client);
    if (window) {
      dropExpired(window, now);
    } else {
      if (this.clients.size >= this.maxClients) this.refuseNewClient(now);
      window = { starts: [], pending: 0 };
      this.clients.set(client, window);
    }
    if (window.starts.length + window.pending >= this.perMinute) {
      // With the whole budget held by runs still being planned, one of them soon starts or frees.
      const oldest = window.starts[0];
      const waitS = oldest === undefined ? 1 : seconds(oldest + WINDOW_MS - now);
      throw new AppError(
        "rate_limited",
        `This client started ${this.perMinute} runs in the last minute (limits.max_runs_per_minute); retry in ${waitS} s.`,
        429,
        { retryAfterSeconds: waitS },
      );
    }
    return this.slot(client, window);
  }

  private slot(client: string, window: ClientWindow): RunSlot {
    window.pending++;
    let open = true;
    return {
      commit: () => {
        if (!open) return;
        open = false;
        window.pending--;
        window.starts.push(this.now());
      },
      release: () => {
        if (!open) return;
        open = false;
        window.pending--;
        dropExpired(window, this.now());
        if (isEmpty(window) && this.clients.get(client) === window) this.clients.delete(client);
      },
    };
  }

  /** At the cap: forget the empty windows; if none is, refuse until the first one empties. */
  private refuseNewClient(now: number): void {
    const firstEmptyAt = this.sweep(now);
    if (this.clients.size < this.maxClients) return;
    const waitS = seconds(firstEmptyAt - now);
    throw new AppError(
      "overloaded",
      `This instance is tracking the run budgets of ${this.clients.size} clients that started runs in the last minute (limits.max_runs_per_minute); retry in ${waitS} s.`,
      503,
      { retryAfterSeconds: waitS },
    );
  }

  /** Forgets every client whose window is empty; returns when the next window will empty. */
  private sweep(now: number): number {
    this.lastSweep = now;
    let firstEmptyAt = Infinity;
    for (const [client, window] of this.clients) {
      dropExpired(window, now);
      if (isEmpty(window)) this.clients.delete(client);
      else if (window.pending === 0)
        firstEmptyAt = Math.min(firstEmptyAt, (window.starts.at(-1) ?? now) + WINDOW_MS);
      else firstEmptyAt = Math.min(firstEmptyAt, now + 1000);
    }
    return firstEmptyAt;
  }
}

function dropExpired(window: ClientWindow, now: number): void {
  const cutoff = now - WINDOW_MS;
  let expired = 0;
  while (expired < window.starts.length && (window.starts[expired] ?? now) <= cutoff) expired++;
  if (expired > 0) window.starts.splice(0, expired);
}

function isEmpty(window: ClientWindow): boolean {
  return window.starts.length === 0 && window.pending === 0;
}

/** Whole seconds to wait for `ms`, at least 1 (Retry-After). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
