import { AppError, type ErrorDetail } from "../errors.js";

/**
 * The config could not be loaded: the file is missing, is not valid YAML, or has bad fields, or
 * an environment override is invalid. The message names the file and lists every problem as
 * `path: reason`, ready to print before the process exits. It never holds a value from the file
 * or the environment, so an API key or token cannot leak through it.
 *
 * @example
 * Invalid config file config/bad.yaml:
 *   - panels.demo.agents.0.id: must be a Letta agent id: agent-<uuid4>, …
 *   - server.port: Too big: expected number to be <=65535
 */
export class ConfigError extends AppError {
  /** Each problem: a dotted path into the file (or an environment variable's name) and why. */
  readonly details: ErrorDetail[];

  constructor(
    /** The config file as shown to the user, or null when none was read. */
    readonly file: string | null,
    details: ErrorDetail[],
    options: { summary?: string; cause?: unknown } = {},
  ) {
    const summary =
      options.summary ?? (file === null ? "Invalid configuration" : `Invalid config file ${file}`);
    super("config_invalid", formatMessage(summary, details), 500, {
      details,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.details = details;
  }
}

function formatMessage(summary: string, details: ErrorDetail[]): string {
  if (details.length === 0) return summary;
  const lines = details.map(
    (detail) => `  - ${detail.path === "" ? "" : `${detail.path}: `}${detail.message}`,
  );
  return `${summary}:\n${lines.join("\n")}`;
}
