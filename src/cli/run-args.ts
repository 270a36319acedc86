import type { RunConversation } from "../protocol/run-options.js";
import { parseCommandLine, type StandardFlags } from "./command-line.js";
import { UsageError } from "./usage-error.js";

/** What `letta-fanout run` was asked to do. */
export interface RunArgs extends StandardFlags {
  panel?: string;
  agents: string[];
  /** `--follow-up RUN_ID`: ask the agents of that run again, in its conversations. */
  followUp?: string;
  /** `--conversation`: the run option `conversation` (API.md §1). */
  conversation?: RunConversation;
  message: string;
  url: string;
  token?: string;
  json: boolean;
  stream: boolean;
}

export const RUN_USAGE = `Usage: letta-fanout run (--panel NAME | --agent ID [--agent ID ...]) [options] "message"
       letta-fanout run --follow-up RUN_ID [options] "message"

Sends the message to every agent and shows each one's progress live. With --follow-up, asks
the agents of an earlier run (its id is on the last line run prints) again, in the same
conversations. Exit code 0 only when every agent completed; Ctrl-C cancels the run.

Options:
  --panel NAME           a panel from the service's config (GET /v1/panels)
  --agent ID             a Letta agent id (agent-<uuid4>); repeat for more
  --follow-up RUN_ID     follow up run RUN_ID: the same agents, in the same conversations
                         (takes no --panel, --agent or --conversation)
  --conversation MODE    agent: each agent's own conversation (default); new: a fresh one
                         per agent, so the run does not wait for other runs on those agents
  --url URL              the letta-fanout service (default $FANOUT_URL or http://127.0.0.1:8787)
  --token TOKEN          bearer token (default $FANOUT_TOKEN)
  --stream               print answers interleaved as they arrive, a line at a time
  --json                 print every event as one JSON line (NDJSON) and nothing else
  -h, --help             show this text
  -v, --version          print the version

Put -- before a message that starts with "-".`;

const RUN_OPTIONS = {
  panel: { type: "string" },
  agent: { type: "string", multiple: true },
  "follow-up": { type: "string" },
  conversation: { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  stream: { type: "boolean" },
} as const;

/**
 * Parses argv after `run`; `env` supplies FANOUT_URL and FANOUT_TOKEN. With `--help` or
 * `--version`, nothing else is checked.
 *
 * @throws UsageError for an unknown flag, a missing value, no message, no (or both) of
 * `--panel` and `--agent`, `--follow-up` with either of them or with `--conversation`, or a
 * `--conversation` other than `agent` or `new`.
 */
export function parseRunArgs(args: readonly string[], env: Record<string, string | undefined>): RunArgs {
  const { values, positionals } = parseCommandLine(args, RUN_OPTIONS, true);
  const token = values.token ?? (env.FANOUT_TOKEN || undefined);
  const followUp = values["follow-up"];
  const conversation = parseConversation(values.conversation);
  const parsed: RunArgs = {
    ...(values.panel === undefined ? {} : { panel: values.panel }),
    agents: values.agent ?? [],
    ...(followUp === undefined ? {} : { followUp }),
    ...(conversation === undefined ? {} : { conversation }),
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
  if (parsed.followUp !== undefined) {
    if (parsed.panel !== undefined || parsed.agents.length > 0) {
      throw new UsageError(
        "--follow-up asks the agents of that run again: give no --panel or --agent with it.",
      );
    }
    if (parsed.conversation !== undefined) {
      throw new UsageError("--follow-up keeps the run's conversations: give no --conversation with it.");
    }
    if (!parsed.followUp.trim()) throw new UsageError("--follow-up needs the id of the run to follow up.");
  } else if ((parsed.panel === undefined) === (parsed.agents.length === 0)) {
    throw new UsageError("Give either --panel NAME or one or more --agent ID (or --follow-up RUN_ID).");
  }
  if (parsed.json && parsed.stream) throw new UsageError("--json and --stream do not go together.");
  return parsed;
}

/** `--conversation`: only the run-wide choices (a `conv-…` id belongs to one agent, API.md §1). */
function parseConversation(value: string | undefined): RunConversation | undefined {
  if (value === undefined || value === "agent" || value === "new") return value;
  throw new UsageError(`--conversation takes agent or new, not "${value}".`);
}
