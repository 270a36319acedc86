import { spawn, type ChildProcess } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../local-host.js";

/** Every peer (nginx, uvicorn) runs in a temp dir of its own named with this prefix, as its cwd. */
const PEER_DIR_PREFIX = "fanout-bench-peer-";
const OWNER_FILE = "owner.json";

/** A peer server the bench started: its own process group, its own temp dir. */
export interface PeerServer {
  readonly name: string;
  /** The peer's main process (nginx's master, uvicorn); taskset execs it, so it is the child's. */
  readonly pid: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly dir: string;
  /** SIGTERM to the group, SIGKILL after 2 s, wait for the exit, remove the dir. */
  stop(): Promise<void>;
}

/** How to start one peer; `args` get the port and the dir, the peer answers `readyToken` on `readyPath`. */
export interface PeerLaunch {
  name: string;
  command: string;
  args: (port: number, dir: string) => string[];
  /** Files to write into the dir before the start (e.g. nginx.conf), by the port. */
  files?: (port: number, dir: string) => Record<string, string>;
  env?: Record<string, string>;
  /** Pin with `taskset -c <core>` (every process and thread of the peer inherits it). */
  core?: number;
  readyPath: string;
  readyToken: string;
  readyTimeoutMs?: number;
}

const running = new Map<number, ChildProcess>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

/**
 * Starts a peer server on a free port of 127.0.0.1, in a fresh temp dir (its cwd), in a process
 * group of its own (so nginx's worker goes with its master), and resolves once GET `readyPath`
 * answers `readyToken`: the server on the port is the one started here. Peers die with the bench
 * (exit, SIGINT, SIGTERM); those of a bench that was SIGKILLed are reaped by the next start.
 */
export async function launchPeer(launch: PeerLaunch): Promise<PeerServer> {
  installHooks();
  reapOrphanedPeers();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), PEER_DIR_PREFIX));
    liveDirs.add(dir);
    try {
      return await start(launch, port, dir);
    } catch (error) {
      liveDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
      // A free port can be taken by someone else before the peer binds it: try another.
      if (attempt >= 3) throw error;
    }
  }
}

async function start(launch: PeerLaunch, port: number, dir: string): Promise<PeerServer> {
  for (const [name, text] of Object.entries(launch.files?.(port, dir) ?? {}))
    writeFileSync(join(dir, name), text);
  const args = launch.args(port, dir);
  const child =
    launch.core === undefined
      ? spawn(launch.command, args, spawnOptions(launch, dir))
      : spawn("taskset", ["-c", String(launch.core), launch.command, ...args], spawnOptions(launch, dir));
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (error) => (spawnError = error));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${launch.name} did not start: ${spawnError?.message ?? "no pid"}`);
  running.set(pid, child);
  child.on("exit", () => running.delete(pid));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ owner: process.pid, peer: pid }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (launch.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      const why = spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${launch.name} on port ${port} did not start (${why}): ${output.trim()}`);
    }
    const answer = await httpGet(`${url}${launch.readyPath}`, 500);
    if (answer === launch.readyToken) break;
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`${launch.name} on port ${port} not ready in time: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    name: launch.name,
    pid,
    url,
    dir,
    async stop() {
      await stopGroup(child);
      liveDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnOptions(launch: PeerLaunch, dir: string) {
  return {
    cwd: dir,
    detached: true,
    env: { ...process.env, ...launch.env },
    stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"],
  };
}

/** SIGTERM to the peer's process group, SIGKILL to the group after 2 s; resolves once the main process exited. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    if (pid !== undefined) killGroup(pid, "SIGKILL");
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(pid, "SIGTERM");
  const killer = setTimeout(() => killGroup(pid, "SIGKILL"), 2_000);
  await exited;
  clearTimeout(killer);
  // Whatever of the group is left (a worker that outlived its master) goes too.
  killGroup(pid, "SIGKILL");
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Kills every peer this process started and removes their dirs, synchronously (exit, signals). */
export function killPeersNow(): void {
  for (const pid of running.keys()) killGroup(pid, "SIGKILL");
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", killPeersNow);
  // Interrupted: take the peers along, then die of the signal as the bench would have.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killPeersNow();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Kills the peers, and removes the dirs, of benches that died without cleaning up (SIGKILL): the
 * owner must be gone, and only processes whose cwd is that very dir are killed (the peer and its
 * children), so a reused pid is never touched.
 */
function reapOrphanedPeers(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PEER_DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = (JSON.parse(readFileSync(join(dir, OWNER_FILE), "utf8")) as { owner: number }).owner;
    } catch {
      continue; // being set up right now, or not ours
    }
    if (isAlive(owner)) continue;
    const real = realpathSync(dir);
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/cwd`) === real) process.kill(Number(entry), "SIGKILL");
      } catch {
        // gone, or not ours to look at
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The body of a GET, or undefined on any error or after `timeoutMs`. */
function httpGet(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 ? body : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}
