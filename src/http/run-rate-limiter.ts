import { AppError } from "../errors.js";

const WINDOW_MS = 60_000;

/**
 * `limits.max_runs_per_minute` per client (API.md §5 `429 rate_limited`): a sliding window of
 * start times per client key. Keys are a hash-free prefix of the token or the IP address; the
 * map forgets clients whose window is empty.
 */
export class RunRateLimiter {
  private readonly starts = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one run start for `client`, or throws 429 with the seconds until a slot frees. */
  take(client: string): void {
    if (this.perMinute === 0) return;
    const now = this.now();
    const recent = (this.starts.get(client) ?? []).filter((at) => at > now - WINDOW_MS);
    if (recent.length >= this.perMinute) {
      const waitS = Math.max(1, Math.ceil(((recent[0] ?? now) + WINDOW_MS - now) / 1000));
      this.starts.set(client, recent);
      throw new AppError(
        "rate_limited",
        `This client started ${this.perMinute} runs in the last minute (limits.max_runs_per_minute); retry in ${waitS} s.`,
        429,
        { retryAfterSeconds: waitS },
      );
    }
    recent.push(now);
    this.starts.set(client, recent);
  }
}
