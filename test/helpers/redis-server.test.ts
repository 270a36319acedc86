import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type RedisClientType } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { probeRedis } from "../../bench/redis-server-probe.js";
import { REDIS_DIR_PREFIX, reapOrphanedRedisServers } from "../../bench/redis-server-orphans.js";
import {
  REDIS_SERVER_PATH,
  redisAvailable,
  redisSuite,
  startRedisServer,
  type RedisServerHandle,
} from "./redis-server.js";
import { useRedisServer } from "./redis-server-shared.js";
import { waitFor } from "./wait-for.js";

const servers: RedisServerHandle[] = [];
const clients: RedisClientType[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.stop();
});

async function started(): Promise<RedisServerHandle> {
  const server = await startRedisServer();
  servers.push(server);
  return server;
}

/** A node-redis client that reconnects quickly and keeps its connection errors to itself. */
async function clientOf(url: string): Promise<{ client: RedisClientType; errors: Error[] }> {
  const errors: Error[] = [];
  const client: RedisClientType = createClient({ url, socket: { reconnectStrategy: 20 } });
  // Without an 'error' listener, a lost connection would be an unhandled 'error' event.
  client.on("error", (error: Error) => errors.push(error));
  clients.push(client);
  await client.connect();
  return { client, errors };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

describe.skipIf(!redisAvailable)(redisSuite("startRedisServer"), () => {
  it("starts a Redis of its own on a free port, without persistence, that the redis client can use", async () => {
    const redis = await started();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).not.toBe(6379);
    const { client } = await clientOf(redis.url);
    expect(await client.ping()).toBe("PONG");
    await client.set("greeting", "hello");
    expect(await client.get("greeting")).toBe("hello");
    expect(await client.configGet("dir")).toEqual({ dir: redis.dir });
    expect(await client.configGet("save")).toEqual({ save: "" });
    expect(await client.configGet("appendonly")).toEqual({ appendonly: "no" });
    expect(await probeRedis(redis.port, 2_000)).toBe(redis.pid);
  });

  it("closes its port and removes its dir on stop", async () => {
    const redis = await startRedisServer();
    await redis.stop();
    expect(await portIsOpen(redis.port)).toBe(false);
    expect(existsSync(redis.dir)).toBe(false);
    expect(redis.pid).toBeUndefined();
  });

  it("restarts empty on the same port, and a connected client reconnects by itself", async () => {
    const redis = await started();
    const { client, errors } = await clientOf(redis.url);
    await client.set("before", "1");
    const firstPid = redis.pid;
    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    const afterRestart = await waitFor(
      () =>
        client.get("before").then(
          (value) => ({ value }),
          () => undefined,
        ),
      "the client answered again after the restart",
    );
    expect(afterRestart.value).toBeNull();
    expect(errors.length).toBeGreaterThan(0); // the client saw the connection drop
  });

  it("is lost after kill until restart brings it back on the same port", async () => {
    const redis = await started();
    await redis.kill();
    expect(redis.pid).toBeUndefined();
    expect(await portIsOpen(redis.port)).toBe(false);
    await redis.restart();
    const { client } = await clientOf(redis.url);
    expect(await client.ping()).toBe("PONG");
  });

  it("answers nothing while paused and everything asked meanwhile once resumed", async () => {
    const redis = await started();
    const { client } = await clientOf(redis.url);
    redis.pause();
    const pong = client.ping();
    expect(await probeRedis(redis.port, 300)).toBeUndefined();
    redis.resume();
    expect(await pong).toBe("PONG");
  });

  it("stops a paused server", async () => {
    const redis = await startRedisServer();
    redis.pause();
    await redis.stop();
    expect(await portIsOpen(redis.port)).toBe(false);
  });

  it("kills the redis-server of a test process that died without cleaning up, and only that one", async () => {
    const binary = REDIS_SERVER_PATH ?? "redis-server";
    // A root of its own, so that no other test file's reaping gets to this orphan first.
    const root = mkdtempSync(join(tmpdir(), "fanout-reap-"));
    const dir = mkdtempSync(join(root, REDIS_DIR_PREFIX));
    const redis = await started(); // alive and owned by this process: must survive the reaping
    const spare = await startRedisServer(); // only for a free port
    await spare.stop();
    const { port } = spare;
    const orphan = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
      {
        stdio: "ignore",
      },
    );
    const orphanExit = new Promise((resolve) => orphan.once("exit", resolve));
    try {
      // Its owner: a process that has already exited.
      const owner = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
      await new Promise((resolve) => owner.once("exit", resolve));
      if (orphan.pid === undefined || owner.pid === undefined) throw new Error("spawn failed");
      writeFileSync(join(dir, "owner.json"), JSON.stringify({ owner: owner.pid, redis: orphan.pid }));
      await waitFor(() => probeRedis(port, 500), "the orphan answers");

      expect(reapOrphanedRedisServers(root)).toBe(1);
      await orphanExit;
      expect(existsSync(dir)).toBe(false);
    } finally {
      orphan.kill("SIGKILL"); // a no-op once reaped; this test must not leak a server either
      rmSync(root, { recursive: true, force: true });
    }
    expect(await probeRedis(redis.port, 2_000)).toBe(redis.pid);
  });
});

describe.skipIf(!redisAvailable)(redisSuite("useRedisServer"), () => {
  const shared = useRedisServer();

  it("gives each test the file's server and a key prefix of its own", async () => {
    const first = shared.keyPrefix();
    const second = shared.keyPrefix();
    expect(first).not.toBe(second);
    const { client } = await clientOf(shared.url);
    await client.set(`${first}k`, "a");
    expect(await client.keys(`${second}*`)).toEqual([]);
  });
});
