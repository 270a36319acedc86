/** How the client reconnects a dropped event stream (`createClient({ reconnect })`). */
export interface ReconnectOptions {
  /** Consecutive failed reconnects before giving up with `network_error`. Default 10. */
  maxAttempts?: number;
  /** The first delay, doubled on each further attempt. Default 250 ms. */
  initialDelayMs?: number;
  /** The cap on the delay. Default 5000 ms. */
  maxDelayMs?: number;
}

/** ReconnectOptions with every field set. */
export type ReconnectSettings = Required<ReconnectOptions>;

/** Fills in the defaults of ReconnectOptions. */
export function reconnectSettings(options: ReconnectOptions = {}): ReconnectSettings {
  return {
    maxAttempts: options.maxAttempts ?? 10,
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5000,
  };
}

/**
 * The delay before reconnect number `attempt` (1-based): exponential backoff with "equal
 * jitter", half of the step fixed and half random, so delays still grow while many clients
 * dropped by one restart spread out instead of returning together.
 */
export function reconnectDelay(attempt: number, settings: ReconnectSettings): number {
  const step = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}
