import { parseArgs } from "node:util";
import { packageVersion } from "./package-version.js";
import { UsageError } from "./usage-error.js";

/** The flags every command (and the bare `letta-fanout`) answers itself. */
const STANDARD_OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** One command's own flags, in `node:util` `parseArgs` form. */
type CommandOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/** What {@link parseCommandLine} returns for a command's options: `{ values, positionals }`. */
export type ParsedCommandLine<Options extends CommandOptions, Positionals extends boolean> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: typeof STANDARD_OPTIONS & Options;
    strict: true;
    allowPositionals: Positionals;
  }>
>;

/**
 * Parses a command's argv with `node:util` `parseArgs` in strict mode, adding `--help`/`-h`
 * and `--version`/`-v`. Both `--flag value` and `--flag=value` work; anything else is refused.
 *
 * @throws UsageError for an unknown flag, a flag without its value (or with one it does not
 * take), or an argument where the command takes none. Node's message names the flag.
 * @example parseCommandLine(args, { config: { type: "string" } }, false).values.config
 */
export function parseCommandLine<const Options extends CommandOptions, const Positionals extends boolean>(
  args: readonly string[],
  options: Options,
  allowPositionals: Positionals,
): ParsedCommandLine<Options, Positionals> {
  try {
    return parseArgs({
      args: [...args],
      options: { ...STANDARD_OPTIONS, ...options },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    // parseArgs signals every command-line mistake with an ERR_PARSE_ARGS_* code.
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((error as Error).message, { cause: error });
    throw error;
  }
}

/** What every parsed command line says besides the command's own options. */
export interface StandardFlags {
  readonly help: boolean;
  readonly version: boolean;
}

/**
 * Parses a command line with `parse` and answers what needs no command: `--help` prints the
 * usage on stdout, `--version` the package's version (both exit 0), and a {@link UsageError}
 * prints its message and the usage on stderr (exit 2).
 *
 * @returns the parsed arguments for the command to run with, or the exit code to end with.
 * @example
 * const parsed = readCommandLine(() => parseServeArgs(args), "serve", SERVE_USAGE);
 * if (typeof parsed === "number") return parsed;
 */
export function readCommandLine<Parsed extends StandardFlags>(
  parse: () => Parsed,
  command: string | undefined,
  usage: string,
): Parsed | number {
  let parsed: Parsed;
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const name = command === undefined ? "letta-fanout" : `letta-fanout ${command}`;
    process.stderr.write(`${name}: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`letta-fanout ${packageVersion()}\n`);
    return 0;
  }
  return parsed;
}
