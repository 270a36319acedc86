import { createClient, FanoutError, type FanoutClient, type RunHandle } from "../client/index.js";
import type { RunRequest } from "../protocol/run-request.js";
import { applyEvent, emptySnapshot } from "../protocol/run-snapshot.js";
import { readCommandLine } from "./command-line.js";
import { jsonView, plainView, streamView } from "./line-views.js";
import { parseRunArgs, RUN_USAGE, type RunArgs } from "./run-args.js";
import type { RunView } from "./run-view.js";
import { ttyView } from "./tty-view.js";

/**
 * `letta-fanout run`: starts a run (or, with `--follow-up`, a follow-up of one) on a
 * letta-fanout service through the typed client, shows every agent's progress, and exits 0 only
 * when every agent completed (1 otherwise, 2 for a usage mistake, 130 after Ctrl-C, which
 * cancels the run first).
 */
export async function runCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const options = readCommandLine(() => parseRunArgs(args, env), "run", RUN_USAGE);
  if (typeof options === "number") return options;
  const client = createClient({ baseUrl: options.url, ...(options.token ? { token: options.token } : {}) });
  const view = chooseView(options);
  const stop = new AbortController();
  const state = { interrupted: false };
  let runId: string | undefined;
  const onInterrupt = () => {
    if (state.interrupted || runId === undefined) process.exit(130);
    state.interrupted = true;
    process.stderr.write("\nCancelling the run… (Ctrl-C again to quit at once)\n");
    void client.runs.cancel(runId).catch(() => stop.abort());
  };
  process.on("SIGINT", onInterrupt);
  try {
    const handle = await startRun(client, options, stop.signal);
    runId = handle.runId;
    const snapshot = emptySnapshot(handle.runId, Date.now());
    for await (const event of handle) {
      applyEvent(snapshot, event);
      view.event(event, snapshot);
    }
    view.finish(snapshot);
    if (state.interrupted) return 130;
    const agents = Object.values(snapshot.agents);
    return snapshot.status === "completed" && agents.every((agent) => agent.status === "completed") ? 0 : 1;
  } catch (error) {
    if (state.interrupted) return 130;
    process.stderr.write(`${describe(error, options.url)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** `POST /v1/runs/{id}/follow-ups` for `--follow-up`, else `POST /v1/runs`, streaming either way. */
function startRun(client: FanoutClient, options: RunArgs, signal: AbortSignal): Promise<RunHandle> {
  const { message } = options;
  if (options.followUp !== undefined) return client.runs.followUp(options.followUp, { message }, { signal });
  const body: RunRequest =
    options.panel === undefined ? { message, agent_ids: options.agents } : { message, panel: options.panel };
  if (options.conversation !== undefined) body.options = { conversation: options.conversation };
  return client.runs.create(body, { signal });
}

function chooseView(options: RunArgs): RunView {
  const write = (text: string) => void process.stdout.write(text);
  if (options.json) return jsonView(write);
  if (options.stream) return streamView(write);
  if (process.stdout.isTTY) return ttyView(write, () => process.stdout.columns);
  return plainView(write);
}

/** An error as a user can act on it; never includes the token. */
function describe(error: unknown, url: string): string {
  if (error instanceof FanoutError) {
    if (error.code === "network_error") {
      return `Could not reach letta-fanout at ${url}: start it with \`npm start\`, or pass --url.`;
    }
    const details = (error.details ?? []).map((detail) => `\n  - ${detail.path}: ${detail.message}`).join("");
    return `error (${error.code}): ${error.message}${details}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
