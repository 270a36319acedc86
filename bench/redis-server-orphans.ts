import { readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Every throwaway Redis (tests, bench) lives in a temp dir named with this prefix, holding an {@link OWNER_FILE}. */
export const REDIS_DIR_PREFIX = "fanout-redis-";
const OWNER_FILE = "owner.json";

interface Owner {
  /** The process (a test file, the bench) that started the server. */
  owner: number;
  /** The redis-server process. */
  redis: number;
}

/** Notes in `dir` which process owns which redis-server, for {@link reapOrphanedRedisServers}. */
export function recordOwner(dir: string, redisPid: number): void {
  writeFileSync(
    join(dir, OWNER_FILE),
    JSON.stringify({ owner: process.pid, redis: redisPid } satisfies Owner),
  );
}

/**
 * Kills the redis-servers, and removes the dirs, of processes (tests, bench) that died without cleaning
 * up (SIGKILL, a crashed worker: no exit handler runs then). Only servers this helper started
 * are touched: the owner must be gone, and the live process must be a redis-server working in
 * that very dir (Redis chdirs to `--dir`; it rewrites its command line, so that cannot tell),
 * so a reused pid is never killed. Returns how many it killed.
 */
export function reapOrphanedRedisServers(root = tmpdir()): number {
  let killed = 0;
  for (const name of readdirSync(root)) {
    if (!name.startsWith(REDIS_DIR_PREFIX)) continue;
    const dir = join(root, name);
    const owner = readOwner(dir);
    if (owner === undefined || isAlive(owner.owner)) continue;
    if (isAlive(owner.redis) && isRedisIn(owner.redis, dir)) {
      process.kill(owner.redis, "SIGKILL");
      killed += 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return killed;
}

function readOwner(dir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, OWNER_FILE), "utf8")) as Owner;
  } catch {
    return undefined; // not ours, or being set up right now
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `pid` is a redis-server whose working dir is `dir`; false where /proc cannot tell. */
function isRedisIn(pid: number, dir: string): boolean {
  try {
    const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    return name.startsWith("redis-server") && readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    return false;
  }
}
