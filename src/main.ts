#!/usr/bin/env node
import { runCommand } from "./cli/run.js";
import { serveCommand } from "./cli/serve.js";
import { simulateCommand } from "./cli/simulate.js";

const USAGE = `Usage: letta-fanout <command>

Commands:
  serve [--config FILE]     Start the service (the default). Without a Letta URL configured
                            (LETTA_BASE_URL or upstream.base_url) it runs the built-in simulator.
  simulate [--port N]       Start only the Letta simulator.
  run (--panel NAME | --agent ID...) "message"
                            Send a message to a panel or agents on a running service and
                            watch every answer (run --help for options).
  help                      Show this text.`;

/** Entry point: the only place that reads process.env and argv. */
async function main(argv: string[]): Promise<void> {
  const [command = "serve", ...args] = argv;
  switch (command) {
    case "serve":
      return serveCommand(args, process.env);
    case "simulate":
      return simulateCommand(args);
    case "run":
      process.exitCode = await runCommand(args, process.env);
      return;
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
