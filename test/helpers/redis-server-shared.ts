import { afterAll, beforeAll } from "vitest";
import { startRedisServer, type RedisServerHandle } from "./redis-server.js";

/** One redis-server for a whole test file; see {@link useRedisServer}. */
export interface SharedRedisServer {
  /** The file's server (only valid inside a test or hook). */
  readonly server: RedisServerHandle;
  /** Its `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /**
   * A key prefix no other test of the file has (`t<n>:`), so tests sharing the server never see
   * each other's keys, and a test can count or delete exactly its own (`SCAN MATCH t3:*`).
   */
  keyPrefix(): string;
}

/**
 * Starts one redis-server before the calling file's tests and stops it after them (vitest runs
 * each file in its own module graph, so this is one server per file, started in tens of ms).
 * Tests isolate themselves with {@link SharedRedisServer.keyPrefix}. A test that pauses, kills or
 * restarts Redis should start a server of its own with `startRedisServer()`, so it does not
 * disturb the others.
 *
 * @example
 *   describe.skipIf(!redisAvailable)(redisSuite("RedisEventStore"), () => {
 *     const redis = useRedisServer();
 *     it("…", async () => { const store = await createRedisStore(redis.url, redis.keyPrefix()); … });
 *   });
 */
export function useRedisServer(): SharedRedisServer {
  let current: RedisServerHandle | undefined;
  let prefixes = 0;
  beforeAll(async () => {
    current = await startRedisServer();
  });
  afterAll(async () => {
    await current?.stop();
    current = undefined;
  });
  const server = (): RedisServerHandle => {
    if (current === undefined)
      throw new Error("useRedisServer: the server runs only inside the file's tests");
    return current;
  };
  return {
    get server() {
      return server();
    },
    get url() {
      return server().url;
    },
    keyPrefix: () => `t${(prefixes += 1)}:`,
  };
}
