import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort, isExecutable } from "./local-host.js";
import { probeRedis } from "./redis-server-probe.js";
import { REDIS_DIR_PREFIX, reapOrphanedRedisServers, recordOwner } from "./redis-server-orphans.js";

/**
 * The one way this project starts a throwaway redis-server, for the tests (test/helpers/
 * redis-server.ts adds their skip logic and one server per file) and for the bench. It lives in
 * bench/ because the build (tsconfig.build.json) compiles src/ and bench/ but not test/.
 */

/**
 * The redis-server to start: the one `REDIS_SERVER_PATH` names, or the one on PATH; `missing`
 * says why there is none.
 */
export function findRedisServer(): { path: string } | { missing: string } {
  const chosen = process.env.REDIS_SERVER_PATH;
  if (chosen !== undefined) {
    return isExecutable(chosen)
      ? { path: chosen }
      : { missing: `REDIS_SERVER_PATH names ${chosen}, which is not an executable file` };
  }
  const folders = (process.env.PATH ?? "").split(delimiter).filter((folder) => folder !== "");
  const found = folders.map((folder) => join(folder, "redis-server")).find(isExecutable);
  return found !== undefined
    ? { path: found }
    : {
        missing:
          "no redis-server on PATH; install Debian's redis-server (.ci/run does) or set REDIS_SERVER_PATH",
      };
}

/** A redis-server of this process's own; see {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>`, for `createClient({ url })` or the service's `store`. */
  readonly url: string;
  readonly port: number;
  /** The server's own temp dir (`--dir`), removed by `stop()`. */
  readonly dir: string;
  /** The current redis-server process id, undefined while it is down (after `kill()`). */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL, even when paused), waits until it is gone, removes its dir. */
  stop(): Promise<void>;
  /** Redis lost: kills the server and waits until the port is closed; `restart()` brings it back. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Kills the server if it runs and starts an empty one on the same port (no persistence). */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartRedisOptions {
  /** The redis-server binary; default: {@link findRedisServer}'s. */
  binary?: string;
  /** How long the server may take to answer PING; default 10 s. */
  readyTimeoutMs?: number;
  /** Pins the server to this CPU core with `taskset` (the bench); default: not pinned. */
  core?: number;
}

/** Servers still running, killed on process exit whatever happened. */
const running = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * Starts a redis-server of our own on a free port of 127.0.0.1, in a fresh temp dir, without
 * persistence (`--save "" --appendonly no`), and resolves once it answers PING, i.e. once the
 * process that answers is the one we started (never the machine's Redis on 6379, nor any other).
 * The server dies with this process (see also {@link killRedisServersNow} for signals); servers
 * of processes that were SIGKILLed are reaped by the next start.
 *
 * @example
 *   const redis = await startRedisServer();
 *   const client = await createClient({ url: redis.url }).on("error", () => {}).connect();
 *   await redis.restart(); // Redis lost mid-run, back empty on the same port
 *   await redis.stop();
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const found = options.binary === undefined ? findRedisServer() : { path: options.binary };
  if ("missing" in found) throw new Error(`cannot start Redis: ${found.missing}`);
  const binary = found.path;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  installExitHook();
  reapOrphanedRedisServers();
  const dir = mkdtempSync(join(tmpdir(), REDIS_DIR_PREFIX));
  liveDirs.add(dir);
  const start = (port: number) => launch(binary, port, dir, readyTimeoutMs, options.core);
  let port = 0;
  let child: ChildProcess | undefined;
  try {
    // A free port can be taken by someone else before redis-server binds it: try another.
    for (let attempt = 1; child === undefined; attempt += 1) {
      port = await freePort();
      try {
        child = await start(port);
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let current: ChildProcess | undefined = child;
  const kill = async () => {
    if (current !== undefined) await killAndWait(current);
    current = undefined;
  };
  const stop = async () => {
    await kill();
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  const signal = (name: "SIGSTOP" | "SIGCONT") => {
    if (current === undefined) throw new Error(`redis on port ${port} is not running`);
    current.kill(name);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return current?.pid;
    },
    stop,
    kill,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    async restart() {
      await kill();
      current = await start(port);
    },
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Kills every server this process started and removes their dirs, synchronously: for a signal
 * handler (the bench, interrupted), where nothing can be awaited.
 */
export function killRedisServersNow(): void {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}

/** Spawns redis-server on `port` and resolves once it answers as itself; kills it on failure. */
async function launch(
  binary: string,
  port: number,
  dir: string,
  readyTimeoutMs: number,
  core: number | undefined,
): Promise<ChildProcess> {
  if (port === 6379)
    throw new Error("refusing to start a throwaway Redis on 6379, the machine's own Redis port");
  const args = [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
    ...["--save", "", "--appendonly", "no", "--loglevel", "warning"],
  ];
  const options = { stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
  // taskset execs redis-server, so the pid stays the server's own.
  const child =
    core === undefined
      ? spawn(binary, args, options)
      : spawn("taskset", ["-c", String(core), binary, ...args], options);
  running.add(child);
  child.on("exit", () => running.delete(child));
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (error) => (spawnError = error));
  if (child.pid !== undefined) recordOwner(dir, child.pid);
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const exited = spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
    if (exited) {
      const why = spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(`redis-server on port ${port} did not start (${why}): ${output.trim()}`);
    }
    const pid = await probeRedis(port, 500);
    if (pid === child.pid) return child;
    if (pid !== undefined || Date.now() > deadline) {
      await killAndWait(child);
      const why =
        pid === undefined
          ? `no PONG within ${readyTimeoutMs} ms`
          : `another Redis (pid ${pid}) answers there`;
      throw new Error(`redis-server on port ${port} did not start: ${why}. ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** SIGKILL (delivered even to a stopped process; nothing to flush without persistence), then wait for the exit. */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`redis-server ${child.pid} did not exit within 5 s of SIGKILL`)),
      5_000,
    );
  });
  try {
    await Promise.race([exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: kill and remove, without waiting.
  process.once("exit", killRedisServersNow);
}
