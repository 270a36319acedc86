import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createClient } from "redis";

/** A redis-server of the bench's own, on a free port of 127.0.0.1, without persistence. */
export interface RedisPeer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Kills the server (SIGKILL: nothing to save), waits for its exit, removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * The redis-server to start: `REDIS_SERVER_PATH` (as the tests read it) or the one on PATH. A
 * string says why there is none, for the report.
 */
export function findRedisServer(): { path: string } | { missing: string } {
  const chosen = process.env.REDIS_SERVER_PATH;
  if (chosen !== undefined) {
    return isExecutable(chosen)
      ? { path: chosen }
      : { missing: `REDIS_SERVER_PATH names ${chosen}, which is not an executable file` };
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "redis-server");
    if (dir !== "" && isExecutable(candidate)) return { path: candidate };
  }
  return { missing: "no redis-server on PATH (Debian: apt-get install redis-server)" };
}

/** Servers still running, killed when the bench exits or is interrupted, whatever happened. */
const running = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>`,
 * pinned with taskset to `core` when given, and resolves once the server that answers on the port
 * is the process it started (its `INFO server` process_id), never a Redis someone else runs.
 *
 * @example
 *   const redis = await startRedisPeer(found.path, { core: 1 });
 *   try { ... connectRedisStore({ url: redis.url, ... }) ... } finally { await redis.stop(); }
 */
export async function startRedisPeer(binary: string, options: { core?: number } = {}): Promise<RedisPeer> {
  installHooks();
  const dir = mkdtempSync(join(tmpdir(), "letta-fanout-bench-redis-"));
  liveDirs.add(dir);
  const removeDir = () => {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // A free port can be taken by someone else before redis-server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        const child = await launch(binary, port, dir, options.core);
        return {
          url: `redis://127.0.0.1:${port}`,
          pid: child.pid ?? -1,
          async stop() {
            await killAndWait(child);
            removeDir();
          },
        };
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    removeDir();
    throw error;
  }
}

async function launch(
  binary: string,
  port: number,
  dir: string,
  core: number | undefined,
): Promise<ChildProcess> {
  const args = [
    ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    ...["--dir", dir, "--loglevel", "warning"],
  ];
  // taskset execs redis-server, so the pid stays the server's own.
  const child =
    core === undefined
      ? spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] })
      : spawn("taskset", ["-c", String(core), binary, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      const why = spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(`redis-server on port ${port} did not start (${why}): ${output.trim()}`);
    }
    const pid = await serverPid(port);
    if (pid !== undefined && pid === child.pid) return child;
    if (pid !== undefined || Date.now() > deadline) {
      await killAndWait(child);
      const why = pid === undefined ? "no answer within 10 s" : `another Redis (pid ${pid}) answers there`;
      throw new Error(`redis-server on port ${port} did not start: ${why}. ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The process id of the Redis answering on `port`, or undefined while nothing answers. */
async function serverPid(port: number): Promise<number | undefined> {
  const client = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { connectTimeout: 500, reconnectStrategy: false },
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const info: unknown = await client.sendCommand(["INFO", "server"]);
    const pid = /process_id:(\d+)/.exec(typeof info === "string" ? info : "")?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  };
  // 'exit' handlers must be synchronous: kill and remove without waiting.
  process.once("exit", killAll);
  // An interrupted bench takes its Redis with it, then dies of the signal as it would have.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/** A port the OS says is free on 127.0.0.1 (from the ephemeral range, so never 6379). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
