import { join } from "node:path";
import { packageRoot } from "../config/index.js";
import {
  loadSimulatorAgents,
  SimulatorConfigError,
  startSimulator,
  type SimAgent,
} from "../simulator/index.js";

const USAGE = `Usage: letta-fanout simulate [options]

Serves a Letta-compatible API (REST + SSE) with scripted agents, for dashboards and tests.

Options:
  --port N               Port to listen on (default 8283, Letta's; 0 = any free port)
  --host H               Interface to listen on (default 127.0.0.1)
  --agents FILE          Agents file (default: config/simulator.yaml of this package)
  --ping-interval-ms N   Keepalive ping after N ms of silence (default 20000, Letta's)
  --api-key K            Require "Authorization: Bearer K" on /v1 requests
  --help                 Show this text`;

/** A bad command line for `simulate`; the message says what is wrong. */
export class SimulateUsageError extends Error {
  override readonly name = "SimulateUsageError";
}

/** The parsed `simulate` command line. */
export interface SimulateArgs {
  readonly port: number;
  readonly host: string;
  readonly agentsFile: string;
  readonly pingIntervalMs: number | undefined;
  readonly apiKey: string | undefined;
  readonly help: boolean;
}

/** The demo agents shipped with the package, found from `src/cli/` and `dist/src/cli/` alike. */
export function defaultAgentsFile(): string {
  return join(packageRoot(import.meta.url), "config", "simulator.yaml");
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new SimulateUsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/**
 * Parses `simulate` arguments (`--flag value` or `--flag=value`).
 *
 * @throws SimulateUsageError for an unknown flag, a missing value or a bad number.
 */
export function parseSimulateArgs(args: readonly string[]): SimulateArgs {
  let port = 8283;
  let host = "127.0.0.1";
  let agentsFile: string | undefined;
  let pingIntervalMs: number | undefined;
  let apiKey: string | undefined;
  let help = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    const equals = arg.indexOf("=");
    const flag = arg.startsWith("--") && equals > 0 ? arg.slice(0, equals) : arg;
    if (flag === "--help" || flag === "-h") {
      help = true;
      continue;
    }
    if (!["--port", "--host", "--agents", "--ping-interval-ms", "--api-key"].includes(flag)) {
      throw new SimulateUsageError(`unknown option "${arg}"`);
    }
    const value = equals > 0 && arg.startsWith("--") ? arg.slice(equals + 1) : args[++index];
    if (value === undefined || value === "") throw new SimulateUsageError(`${flag} needs a value`);
    if (flag === "--port") port = integer(flag, value, 0, 65535);
    else if (flag === "--host") host = value;
    else if (flag === "--agents") agentsFile = value;
    else if (flag === "--ping-interval-ms") pingIntervalMs = integer(flag, value, 1, 86_400_000);
    else apiKey = value;
  }
  return { port, host, agentsFile: agentsFile ?? defaultAgentsFile(), pingIntervalMs, apiKey, help };
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
 * runs only the Letta simulator until SIGINT or SIGTERM. A bad flag exits with status 2, a bad
 * agents file with status 1, each with a message saying what to fix.
 */
export async function simulateCommand(args: string[]): Promise<void> {
  let parsed: SimulateArgs;
  try {
    parsed = parseSimulateArgs(args);
  } catch (error) {
    if (!(error instanceof SimulateUsageError)) throw error;
    console.error(`letta-fanout simulate: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
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
