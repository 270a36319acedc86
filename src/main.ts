#!/usr/bin/env node
import { parseCommandLine, readCommandLine } from "./cli/command-line.js";

const USAGE = `Usage: letta-fanout [command] [options]

Commands:
  serve [--config FILE]     Start the service (the default). Without a Letta URL configured
                            (LETTA_BASE_URL or upstream.base_url) it runs the built-in simulator.
  simulate [--port N]       Start only the Letta simulator.
  run (--panel NAME | --agent ID...) "message"
                            Send a message to a panel or agents on a running service and
                            watch every answer.
  help                      Show this text.

Options:
  -h, --help                Show this text (after a command: that command's options).
  -v, --version             Print the version.`;

/**
 * The bin (`letta-fanout`), and the only place that reads process.env and argv. It is not the
 * package's import entry (src/index.ts is): importing it runs a command.
 */
async function main(argv: string[]): Promise<void> {
  const [command = "serve", ...args] = argv;
  // Each command loads only its own modules: `run` and `--help` need neither the server nor
  // the simulator, and start faster without them.
  switch (command) {
    case "serve": {
      const { serveCommand } = await import("./cli/serve.js");
      return serveCommand(args, process.env);
    }
    case "simulate": {
      const { simulateCommand } = await import("./cli/simulate.js");
      return simulateCommand(args);
    }
    case "run": {
      const { runCommand } = await import("./cli/run.js");
      process.exitCode = await runCommand(args, process.env);
      return;
    }
    case "help":
      console.log(USAGE);
      return;
    default: {
      // Flags before any command: --help, --version, or a usage mistake.
      const answer = command.startsWith("-")
        ? readCommandLine(() => topLevelFlags(argv), undefined, USAGE)
        : undefined;
      if (typeof answer === "number") {
        process.exitCode = answer;
        return;
      }
      console.error(`letta-fanout: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
    }
  }
}

function topLevelFlags(argv: readonly string[]) {
  const { values } = parseCommandLine(argv, {}, false);
  return { help: values.help ?? false, version: values.version ?? false };
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
