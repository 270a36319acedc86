import { join } from "node:path";
import { packageRoot } from "../config/index.js";
import {
  loadSimulatorAgents,
  SimulatorConfigError,
  startSimulator,
  type SimAgent,
} from "../simulator/index.js";
import { parseCommandLine, readCommandLine, type StandardFlags } from "./command-line.js";
import { UsageError } from "./usage-error.js";

const USAGE = `Usage: letta-fanout simulate [options]

Serves a Letta-compatible API (REST + SSE) with scripted agents, for dashboards and tests.

Options:
  --port N               Port to listen on (default 8283, Letta's; 0 = any free port)
  --host H               Interface to listen on (default 127.0.0.1)
  --agents FILE          Agents file (default: config/simulator.yaml of this package)
  --ping-interval-ms N   Keepalive ping after N ms of silence (default 20000, Letta's)
  --api-key K            Require "Authorization: Bearer K" on /v1 requests
  -h, --help             Show this text
  -v, --version          Print the version`;

/** The parsed `simulate` command line. */
export interface SimulateArgs extends StandardFlags {
  readonly port: number;
  readonly host: string;
  readonly agentsFile: string;
  readonly pingIntervalMs: number | undefined;
  readonly apiKey: string | undefined;
}

/** The demo agents shipped with the package, found from `src/cli/` and `dist/src/cli/` alike. */
export function defaultAgentsFile(): string {
  return join(packageRoot(import.meta.url), "config", "simulator.yaml");
}

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

const SIMULATE_OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  agents: { type: "string" },
  "ping-interval-ms": { type: "string" },
  "api-key": { type: "string" },
} as const;

/**
 * Parses `simulate` arguments (`--flag value` or `--flag=value`).
 *
 * @throws UsageError for an unknown flag, a missing or empty value, or a bad number.
 */
export function parseSimulateArgs(args: readonly string[]): SimulateArgs {
  const { values } = parseCommandLine(args, SIMULATE_OPTIONS, false);
  for (const [name, value] of Object.entries(values)) {
    if (value === "") throw new UsageError(`--${name} needs a value`);
  }
  return {
    port: integer("--port", values.port, 0, 65535) ?? 8283,
    host: values.host ?? "127.0.0.1",
    agentsFile: values.agents ?? defaultAgentsFile(),
    pingIntervalMs: integer("--ping-interval-ms", values["ping-interval-ms"], 1, 86_400_000),
    apiKey: values["api-key"],
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

/** How {@link runSimulator} reports and when it stops. */
export interface RunSimulatorOptions {
  /** Stops the simulator when aborted (the command wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

function describeAgent(agent: SimAgent): string {
  return `  ${agent.id}  ${agent.name}${agent.tags.length > 0 ? `  [${agent.tags.join(", ")}]` : ""}`;
}

/**
 * Starts the simulator for parsed arguments, prints where it listens and its agents, and
 * resolves once `signal` aborts and the simulator has closed.
 *
 * @throws SimulatorConfigError for a bad agents file.
 */
export async function runSimulator(args: SimulateArgs, options: RunSimulatorOptions): Promise<void> {
  const agents = await loadSimulatorAgents(args.agentsFile);
  const sim = await startSimulator({
    agents,
    host: args.host,
    port: args.port,
    ...(args.pingIntervalMs === undefined ? {} : { pingIntervalMs: args.pingIntervalMs }),
    ...(args.apiKey === undefined ? {} : { apiKey: args.apiKey }),
  });
  options.log(`Letta simulator listening on ${sim.url} (${agents.length} agents)`);
  for (const agent of agents) options.log(describeAgent(agent));
  // The API key is never printed; only that one is required.
  if (args.apiKey !== undefined) options.log("Requests must carry the API key given with --api-key.");
  if (!options.signal.aborted) {
    await new Promise<void>((resolve) =>
      options.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
  }
  await sim.close();
  options.log("Letta simulator stopped.");
}

/**
 * `letta-fanout simulate [--port N] [--host H] [--agents FILE] [--ping-interval-ms N] [--api-key K]`:
 * runs only the Letta simulator until SIGINT or SIGTERM. `--help` and `--version` answer and
 * exit 0; a bad flag exits with status 2, a bad agents file with status 1, each with a message
 * saying what to fix.
 */
export async function simulateCommand(args: string[]): Promise<void> {
  const parsed = readCommandLine(() => parseSimulateArgs(args), "simulate", USAGE);
  if (typeof parsed === "number") {
    process.exitCode = parsed;
    return;
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await runSimulator(parsed, { signal: controller.signal, log: (line) => console.log(line) });
  } catch (error) {
    if (error instanceof SimulatorConfigError) console.error(error.message);
    else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      console.error(
        `letta-fanout simulate: ${parsed.host}:${parsed.port} is already in use; pick another --port.`,
      );
    } else throw error;
    process.exit(1);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
