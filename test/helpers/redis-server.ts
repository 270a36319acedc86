import {
  findRedisServer,
  startRedisServer as startThrowawayRedis,
  type RedisServerHandle,
} from "../../bench/redis-server.js";

export type { RedisServerHandle } from "../../bench/redis-server.js";

const found = findRedisServer();

/** Debian's `redis-server` from PATH, or the one `REDIS_SERVER_PATH` names; undefined when there is none. */
export const REDIS_SERVER_PATH = "path" in found ? found.path : undefined;

/** Why the Redis tests cannot run on this machine, or undefined when they can. */
export const noRedis = "missing" in found ? found.missing : undefined;

/** Whether `redis-server` is here to start; suites use `describe.skipIf(!redisAvailable)`. */
export const redisAvailable = noRedis === undefined;

// Said once per Redis test file, so a run without Redis says why those tests were skipped.
if (noRedis !== undefined) console.warn(`Redis tests skipped: ${noRedis}.`);

/** A suite title that says, when the suite is skipped, why. */
export function redisSuite(name: string): string {
  return noRedis === undefined ? name : `${name} (skipped: ${noRedis})`;
}

export interface StartRedisOptions {
  /** How long the server may take to answer PING; default 10 s. */
  readyTimeoutMs?: number;
}

/**
 * Starts a redis-server of this test process's own (bench/redis-server.ts, the project's one way
 * to start a throwaway Redis): a free port of 127.0.0.1, a fresh temp dir, no persistence, and
 * only once the process answering is the one started. Prefer `useRedisServer()` (one server per
 * test file); a test that pauses, kills or restarts Redis starts its own with this.
 *
 * @example
 *   const redis = await startRedisServer();
 *   await redis.restart(); // Redis lost mid-run, back empty on the same port
 *   await redis.stop();
 */
export function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  if (REDIS_SERVER_PATH === undefined) return Promise.reject(new Error(`cannot start Redis: ${noRedis}`));
  return startThrowawayRedis({ binary: REDIS_SERVER_PATH, ...options });
}
