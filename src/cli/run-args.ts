import { parseCommandLine, type StandardFlags } from "./command-line.js";
import { UsageError } from "./usage-error.js";

/** What `letta-fanout run` was asked to do. */
export interface RunArgs extends StandardFlags {
  panel?: string;
  agents: string[];
  message: string;
  url: string;
  token?: string;
  json: boolean;
  stream: boolean;
}

export const RUN_USAGE = `Usage: letta-fanout run (--panel NAME | --agent ID [--agent ID ...]) [options] "message"

Sends the message to every agent and shows each one's progress live.
Exit code 0 only when every agent completed; Ctrl-C cancels the run.

Options:
  --panel NAME      a panel from the service's config (GET /v1/panels)
  --agent ID        a Letta agent id (agent-<uuid4>); repeat for more
  --url URL         the letta-fanout service (default $FANOUT_URL or http://127.0.0.1:8787)
  --token TOKEN     bearer token (default $FANOUT_TOKEN)
  --stream          print answers interleaved as they arrive, a line at a time
  --json            print every event as one JSON line (NDJSON) and nothing else
  -h, --help        show this text
  -v, --version     print the version

Put -- before a message that starts with "-".`;

const RUN_OPTIONS = {
  panel: { type: "string" },
  agent: { type: "string", multiple: true },
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  stream: { type: "boolean" },
} as const;

/**
 * Parses argv after `run`; `env` supplies FANOUT_URL and FANOUT_TOKEN. With `--help` or
 * `--version`, nothing else is checked.
 *
 * @throws UsageError for an unknown flag, a missing value, no message, or no (or both) of
 * `--panel` and `--agent`.
 */
export function parseRunArgs(args: readonly string[], env: Record<string, string | undefined>): RunArgs {
  const { values, positionals } = parseCommandLine(args, RUN_OPTIONS, true);
  const token = values.token ?? (env.FANOUT_TOKEN || undefined);
  const parsed: RunArgs = {
    ...(values.panel === undefined ? {} : { panel: values.panel }),
    agents: values.agent ?? [],
    message: positionals.join(" ").trim(),
    url: values.url ?? (env.FANOUT_URL || "http://127.0.0.1:8787"),
    ...(token === undefined ? {} : { token }),
    json: values.json ?? false,
    stream: values.stream ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
  if (parsed.help || parsed.version) return parsed;
  if (!parsed.message) throw new UsageError("Give the message to send, in quotes.");
  if ((parsed.panel === undefined) === (parsed.agents.length === 0)) {
    throw new UsageError("Give either --panel NAME or one or more --agent ID.");
  }
  if (parsed.json && parsed.stream) throw new UsageError("--json and --stream do not go together.");
  return parsed;
}
