import { createScrubber } from "./scrub-secrets.js";

/** A log function: a message we wrote, and optionally the error behind it. */
export type Log = (message: string, error?: unknown) => void;

/**
 * A stderr logger that can never print a secret. Upstream text is scrubbed where it enters the
 * service (`upstream/letta/scrubbing-fetch.ts`); this is the last line of defence for everything
 * else an error can carry: every line is scrubbed of the given secrets (the Letta API key,
 * access tokens) and of anything shaped like `Bearer …`.
 */
export function createLog(
  secrets: readonly (string | null)[],
  write: (line: string) => void = console.error,
): Log {
  const scrub = createScrubber(secrets);
  return (message, error) => {
    let line = `${new Date().toISOString()} ${message}`;
    if (error !== undefined) line += `: ${describeError(error)}`;
    write(scrub(line));
  };
}

/** An error as a log shows it: class and message, and its cause's. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : "";
  return `${error.name}: ${error.message}${cause}`;
}
