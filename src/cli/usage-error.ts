/**
 * A mistake on the command line (an unknown flag, a missing value, a missing message): the
 * command prints it with its usage text on stderr and exits with status 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
