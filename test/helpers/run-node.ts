import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project folder, whose package.json names letta-fanout (so it can import itself). */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The built `letta-fanout` bin (test/global-setup.ts builds dist/ before the tests). */
export const MAIN = fileURLToPath(new URL("../../dist/src/main.js", import.meta.url));

/** How a child process ended. `timedOut`: it was still running at the deadline and was killed. */
export interface NodeResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunNodeOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child (SIGKILL) if it has not exited by then; default 15 s. */
  deadlineMs?: number;
  onStart?: (child: ChildProcess) => void;
}

/** Runs `node ...args` with piped, non-TTY output and resolves when it exits or is killed. */
export function runNode(args: readonly string[], options: RunNodeOptions = {}): Promise<NodeResult> {
  const child = spawn(process.execPath, args, {
    env: options.env ?? process.env,
    cwd: options.cwd ?? PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.deadlineMs ?? 15_000);
  options.onStart?.(child);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr, timedOut });
    }),
  );
}

/** Runs the built `letta-fanout` bin with `args`. */
export function runCli(args: readonly string[], options: RunNodeOptions = {}): Promise<NodeResult> {
  return runNode([MAIN, ...args], options);
}
