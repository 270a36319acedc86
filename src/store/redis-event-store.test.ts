import { describe } from "vitest";
import { redisAvailable, redisSuite } from "../../test/helpers/redis-server.js";
import { useRedisServer } from "../../test/helpers/redis-server-shared.js";
import { connectRedisStore } from "./connect-redis-store.js";
import { describeEventStoreContract } from "./event-store-contract.js";

// The same contract as the memory store (memory-event-store.test.ts), against a Redis of our own.
describe.skipIf(!redisAvailable)(redisSuite("RedisEventStore"), () => {
  const redis = useRedisServer();
  describeEventStoreContract(
    "redis",
    (retention, now) => connectRedisStore({ url: redis.url, retention, prefix: redis.keyPrefix(), now }),
    { expiry: "real-time" },
  );
});
