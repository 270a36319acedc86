/** A log function: a message we wrote, and optionally the error behind it. */
export type Log = (message: string, error?: unknown) => void;

/**
 * A stderr logger that can never print a secret: every line is scrubbed of the given secrets
 * (the Letta API key, access tokens), whatever an upstream library put into an error message.
 */
export function createLog(
  secrets: readonly (string | null)[],
  write: (line: string) => void = console.error,
): Log {
  const scrub = secrets.filter(
    (secret): secret is string => typeof secret === "string" && secret.length >= 4,
  );
  return (message, error) => {
    let line = `${new Date().toISOString()} ${message}`;
    if (error !== undefined) line += `: ${describe(error)}`;
    for (const secret of scrub) line = line.split(secret).join("[redacted]");
    write(line);
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : "";
  return `${error.name}: ${error.message}${cause}`;
}
