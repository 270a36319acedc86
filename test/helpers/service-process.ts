import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { FanoutConfigInput } from "../../src/config/index.js";
import { API_KEY } from "./fanout-harness.js";
import { MAIN, PROJECT_ROOT } from "./run-node.js";

/** How a service process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** `upstream.base_url`: the Letta it talks to, e.g. `sim.url` of a simulator in the test process. */
  lettaUrl: string;
  /** `store`: `"memory"` or a `redis://` URL. */
  store: string;
  /** `redis.key_prefix`, e.g. `useRedisServer().keyPrefix()`, so tests sharing a Redis never meet. */
  keyPrefix?: string;
  /**
   * More config, merged deeply over the helper's (`{ server: { shutdown_grace_ms: 300 } }` keeps
   * `server.port: 0`; `{ redis: { lease_ms: 2000, renew_ms: 500 } }` keeps the key prefix).
   */
  config?: FanoutConfigInput;
  /** Extra environment, set after the developer's own settings were removed (e.g. `REDIS_URL`). */
  env?: Record<string, string>;
  /** A name for messages, e.g. "A". */
  name?: string;
  /** How long until `listening on`; default 15 s. */
  startTimeoutMs?: number;
}

/** A running `letta-fanout serve` child process; see {@link startServiceProcess}. */
export interface ServiceProcess extends AsyncDisposable {
  readonly name: string;
  /** `http://127.0.0.1:<port>`, the port taken from its `listening on` line. */
  readonly url: string;
  readonly pid: number;
  /** Settles when the process has exited and its output is read to the end. */
  readonly exited: Promise<ProcessExit>;
  /** Everything it wrote so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  /** SIGTERM (the graceful stop), then waits for the exit; SIGKILL and throws past `deadlineMs` (10 s). */
  stop(deadlineMs?: number): Promise<ProcessExit>;
  /** SIGKILL (an instance that dies), then waits for the exit. */
  kill(): Promise<ProcessExit>;
  /** SIGSTOP: a frozen instance; its sockets stay open and nothing is answered. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
}

/** The process exited (or hung) before it said it was listening. */
export class ServiceStartError extends Error {
  override readonly name = "ServiceStartError";
  constructor(
    message: string,
    /** How it ended; `{ code: null, signal: "SIGKILL" }` when the helper killed it at the deadline. */
    readonly exit: ProcessExit,
    /** Everything it wrote. */
    readonly output: string,
  ) {
    super(`${message}; its output:\n${output}`);
  }
}

// Up to the newline, so a line that arrives in two chunks never yields half a port.
const LISTENING = /letta-fanout listening on (http:\/\/\S+)\r?\n/;
/** The variable the helper's config names for the Letta API key (`upstream.api_key_env`). */
const API_KEY_ENV = "FANOUT_TEST_LETTA_API_KEY";

// Loaded before main.js: the child SIGKILLs itself when its stdin pipe closes, which happens
// when the test process dies in any way (even SIGKILL, where no exit hook runs), so no service
// outlives its test run. (A paused child cannot notice: the exit hook kills it, unless the test
// process itself was SIGKILLed.) unref: the pipe alone must not keep a finished process alive.
// Encoded: a raw `?` would start the data URL's query and cut the code short.
const DIE_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  'process.stdin.on("end", () => process.kill(process.pid, "SIGKILL")); process.stdin.resume(); process.stdin.unref?.();',
)}`;

const running = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * Starts `node dist/src/main.js serve --config <temp file>` (test/global-setup.ts builds `dist/`)
 * on 127.0.0.1 port 0, and resolves once it prints `letta-fanout listening on …`, with the port
 * the OS gave it. The config is YAML in a temp dir of its own, removed once the service has read
 * it. The environment is this process's without `LETTA_*`, `FANOUT_*`, `REDIS_URL`, `HOST`,
 * `PORT` and `NODE_OPTIONS`, so a developer's own settings never reach the service, plus the Letta
 * API key ({@link API_KEY}) and `options.env`. The child dies with the test process; in tests
 * prefer `useServiceProcesses()` (service-process-shared.ts), which also kills it after each test.
 *
 * @throws ServiceStartError with the exit and the output when it exits or hangs before listening.
 * @example
 *   const a = await startServiceProcess({ lettaUrl: sim.url, store: redis.url, name: "A" });
 *   await fetch(`${a.url}/v1/runs`, …);
 *   expect(await a.stop()).toEqual({ code: 0, signal: null });
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const name = options.name ?? "service";
  const dir = mkdtempSync(join(tmpdir(), "fanout-process-"));
  liveDirs.add(dir);
  const configFile = join(dir, "fanout.yaml");
  writeFileSync(configFile, stringify(configFor(options)));
  installExitHook();
  const child = spawn(
    process.execPath,
    ["--import", DIE_WITH_PARENT, MAIN, "serve", "--config", configFile],
    {
      cwd: PROJECT_ROOT,
      env: { ...cleanEnv(), [API_KEY_ENV]: API_KEY, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  running.add(child);
  // Never written to; only its closing matters (see DIE_WITH_PARENT).
  child.stdin.on("error", () => undefined);
  let output = "";
  const keep = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", (error) => {
      output += `\n[spawn failed: ${error.message}]`;
      resolve({ code: null, signal: null });
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  }).finally(() => running.delete(child));
  // The service reads its config once, at start: the file goes as soon as it listens or fails,
  // which leaves nothing behind even when the test process is SIGKILLed later.
  const removeConfig = () => {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    const fail = (why: string, exit: ProcessExit) =>
      reject(new ServiceStartError(`${name} (letta-fanout serve) ${why}`, exit, output));
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      void exited.then((exit) => fail(`did not listen within ${timeoutMs} ms`, exit));
    }, timeoutMs);
    const onData = () => {
      const found = LISTENING.exec(output)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve(found);
    };
    child.stdout.on("data", onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      fail(`exited before listening (code ${exit.code}, signal ${exit.signal})`, exit);
    });
  }).finally(removeConfig);

  let paused = false;
  const signal = (which: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(which);
  };
  const waitForExit = async (why: string, deadlineMs: number): Promise<ProcessExit> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${name} did not exit within ${deadlineMs} ms of ${why}; its output:\n${output}`));
      }, deadlineMs);
    });
    try {
      return await Promise.race([exited, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = () => {
    signal("SIGKILL");
    return waitForExit("SIGKILL", 5_000);
  };
  const pause = () => {
    signal("SIGSTOP");
    paused = true;
  };
  const resume = () => {
    signal("SIGCONT");
    paused = false;
  };
  return {
    name,
    url,
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    stop(deadlineMs = 10_000) {
      signal("SIGTERM");
      // A frozen process would only see the SIGTERM once thawed.
      if (paused) resume();
      return waitForExit("SIGTERM", deadlineMs);
    },
    kill,
    pause,
    resume,
    [Symbol.asyncDispose]: async () => {
      await kill();
    },
  };
}

/** The helper's config with `options.config` merged over it. */
function configFor(options: ServiceProcessOptions): Record<string, unknown> {
  const base: Record<string, unknown> = {
    upstream: { base_url: options.lettaUrl, api_key_env: API_KEY_ENV },
    server: { host: "127.0.0.1", port: 0 },
    store: options.store,
    ...(options.keyPrefix === undefined ? {} : { redis: { key_prefix: options.keyPrefix } }),
  };
  return merge(base, options.config ?? {});
}

/** `over` merged into `base`, objects key by key, anything else (arrays too) replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * This process's environment without what would change the service behind the test's back:
 * the variables the service reads (a developer's `REDIS_URL` would even point it at their Redis)
 * and `NODE_OPTIONS` (an `--inspect` there would make every child fight for one port).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const read = /^(LETTA_|FANOUT_)/.test(key) || ["REDIS_URL", "HOST", "PORT", "NODE_OPTIONS"].includes(key);
    if (!read) env[key] = value;
  }
  return env;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL (delivered even to a stopped process), no wait.
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}
