import { parseCommandLine, type StandardFlags } from "./command-line.js";

/** What `letta-fanout serve` was asked to do. */
export interface ServeArgs extends StandardFlags {
  /** The config file; undefined means config/fanout.yaml of this package. */
  readonly config: string | undefined;
}

export const SERVE_USAGE = `Usage: letta-fanout serve [options]

Starts the service: the API, the dashboard at /, and, when no Letta URL is configured
(LETTA_BASE_URL or upstream.base_url), the built-in Letta simulator. SIGTERM or Ctrl-C
drains running streams within server.shutdown_grace_ms, then exits.

Options:
  --config FILE     config file (default: config/fanout.yaml of this package)
  -h, --help        show this text
  -v, --version     print the version`;

/**
 * Parses argv after `serve`.
 *
 * @throws UsageError for an unknown flag, a missing value or a stray argument.
 */
export function parseServeArgs(args: readonly string[]): ServeArgs {
  const { values } = parseCommandLine(args, { config: { type: "string" } }, false);
  return { config: values.config, help: values.help ?? false, version: values.version ?? false };
}
