/** What `letta-fanout run` was asked to do. */
export interface RunArgs {
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
  --json            print every event as one JSON line (NDJSON) and nothing else`;

/** A usage mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Parses argv after `run`; `env` supplies FANOUT_URL and FANOUT_TOKEN. */
export function parseRunArgs(args: readonly string[], env: Record<string, string | undefined>): RunArgs {
  const parsed: RunArgs = {
    agents: [],
    message: "",
    url: env.FANOUT_URL ?? "http://127.0.0.1:8787",
    json: false,
    stream: false,
  };
  if (env.FANOUT_TOKEN) parsed.token = env.FANOUT_TOKEN;
  const words: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    const value = () => {
      const next = args[index + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value.`);
      index += 1;
      return next;
    };
    if (arg === "--panel") parsed.panel = value();
    else if (arg === "--agent") parsed.agents.push(value());
    else if (arg === "--url") parsed.url = value();
    else if (arg === "--token") parsed.token = value();
    else if (arg === "--json") parsed.json = true;
    else if (arg === "--stream") parsed.stream = true;
    else if (arg.startsWith("--")) throw new UsageError(`Unknown option ${arg}.`);
    else words.push(arg);
  }
  parsed.message = words.join(" ").trim();
  if (!parsed.message) throw new UsageError("Give the message to send, in quotes.");
  if ((parsed.panel === undefined) === (parsed.agents.length === 0)) {
    throw new UsageError("Give either --panel NAME or one or more --agent ID.");
  }
  if (parsed.json && parsed.stream) throw new UsageError("--json and --stream do not go together.");
  return parsed;
}
