/** The retry options that shape the backoff (API.md §1 `retry.*`). */
export interface BackoffOptions {
  initial_delay_ms: number;
  max_delay_ms: number;
  multiplier: number;
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, initial · multiplier^(n-1))]
 * before retry number `retry` (1 for the first retry). Full jitter spreads a burst of agents that
 * failed together so they do not hit Letta again in lockstep.
 */
export function backoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    options.max_delay_ms,
    options.initial_delay_ms * options.multiplier ** (retry - 1),
  );
  return Math.round(random() * ceiling);
}
