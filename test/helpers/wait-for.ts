/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`.
 * Every wait in a test goes through this (or another helper with a deadline), so a regression
 * fails fast with a message instead of hanging the suite.
 *
 * @example
 *   const stream = await waitFor(() => sim.record.streams(agentId).find((s) => s.closedByClient), "stream closed");
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5_000,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
