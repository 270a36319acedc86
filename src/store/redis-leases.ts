import type { RedisKeys } from "./redis-keys.js";
import { runScript } from "./redis-script.js";

/**
 * Renews this instance's leases and its heartbeat. A lease that lapsed without anyone taking
 * the run is taken back (a Redis hiccup shorter than another instance's claim loop costs
 * nothing); one that another instance holds now is lost. ARGV: prefix, instances key, owner,
 * lease ms, run ids. Returns the lost run ids.
 */
const RENEW_SCRIPT = `
local prefix, instances, owner, leaseMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZADD', instances, now, owner)
redis.call('ZREMRANGEBYSCORE', instances, '-inf', now - 10 * leaseMs)
local lost = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local base = prefix .. 'run:' .. id
  local holder = redis.call('GET', base .. ':lease')
  local mine = holder == owner
  if not holder and redis.call('HGET', base .. ':meta', 'owner') == owner then mine = true end
  if mine and redis.call('HEXISTS', base .. ':meta', 'ended_at') == 0 then
    redis.call('SET', base .. ':lease', owner, 'PX', leaseMs)
    redis.call('ZADD', prefix .. 'leases', now + leaseMs, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
`;

/**
 * Takes over runs whose lease lapsed: due in the leases set, no lease key left, not ended.
 * ARGV: prefix, owner, lease ms, most to take. Returns the run ids taken.
 */
const CLAIM_SCRIPT = `
local prefix, owner, leaseMs, most = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local taken = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'leases', '-inf', now, 'LIMIT', 0, most)) do
  local base = prefix .. 'run:' .. id
  if redis.call('EXISTS', base .. ':lease') == 0 then
    if redis.call('EXISTS', base .. ':meta') == 1 and redis.call('HEXISTS', base .. ':meta', 'ended_at') == 0 then
      redis.call('SET', base .. ':lease', owner, 'PX', leaseMs)
      redis.call('HSET', base .. ':meta', 'owner', owner)
      redis.call('ZADD', prefix .. 'leases', now + leaseMs, id)
      taken[#taken + 1] = id
    else
      redis.call('ZREM', prefix .. 'leases', id)
    end
  end
end
return taken
`;

/**
 * Lets go of runs at once (a graceful stop): their leases are deleted and due now, so the next
 * claim of any instance takes them. ARGV: prefix, owner, run ids. Returns how many were released.
 */
const RELEASE_SCRIPT = `
local prefix, owner = ARGV[1], ARGV[2]
local released = 0
for i = 3, #ARGV do
  local base = prefix .. 'run:' .. ARGV[i]
  if redis.call('GET', base .. ':lease') == owner then
    redis.call('DEL', base .. ':lease')
    redis.call('HSET', base .. ':meta', 'owner', '')
    redis.call('ZADD', prefix .. 'leases', 0, ARGV[i])
    released = released + 1
  end
end
return released
`;

/**
 * Which of these runs Redis has lost: neither their meta nor a lease is left (Redis restarted
 * without its data, FLUSHALL, or the keys were deleted or expired). Nobody can continue those;
 * a run with its meta is continued by whoever holds or claims its lease. ARGV: prefix, run ids.
 */
const VANISHED_SCRIPT = `
local prefix = ARGV[1]
local vanished = {}
for i = 2, #ARGV do
  local base = prefix .. 'run:' .. ARGV[i]
  if redis.call('EXISTS', base .. ':meta', base .. ':lease') == 0 then vanished[#vanished + 1] = ARGV[i] end
end
return vanished
`;

type Send = (args: string[]) => Promise<unknown>;

/** The lease calls of one instance (`owner`), for {@link RedisEventStore}. */
export class RedisLeases {
  constructor(
    private readonly send: Send,
    private readonly keys: RedisKeys,
    readonly owner: string,
    readonly leaseMs: number,
  ) {}

  /** Renews the leases of `runIds` (and this instance's heartbeat); returns those lost. */
  async renew(runIds: readonly string[]): Promise<string[]> {
    const args = [this.keys.prefix, this.keys.instances, this.owner, String(this.leaseMs), ...runIds];
    return (await runScript(this.send, RENEW_SCRIPT, args)) as string[];
  }

  /** Takes over at most `most` runs whose lease lapsed; returns their ids. */
  async claim(most: number): Promise<string[]> {
    const args = [this.keys.prefix, this.owner, String(this.leaseMs), String(most)];
    return (await runScript(this.send, CLAIM_SCRIPT, args)) as string[];
  }

  /** Lets go of `runIds` so another instance takes them at once. */
  async release(runIds: readonly string[]): Promise<number> {
    if (runIds.length === 0) return 0;
    return (await runScript(this.send, RELEASE_SCRIPT, [this.keys.prefix, this.owner, ...runIds])) as number;
  }

  /** Those of `runIds` that Redis no longer has at all (no meta, no lease): nobody can continue them. */
  async vanished(runIds: readonly string[]): Promise<string[]> {
    if (runIds.length === 0) return [];
    return (await runScript(this.send, VANISHED_SCRIPT, [this.keys.prefix, ...runIds])) as string[];
  }

  /** Whether another instance renewed within the last lease (so it can take runs over). */
  async othersAlive(): Promise<boolean> {
    const time = (await this.send(["TIME"])) as string[];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const alive = (await this.send([
      "ZRANGEBYSCORE",
      this.keys.instances,
      String(now - this.leaseMs),
      "+inf",
    ])) as string[];
    return alive.some((id) => id !== this.owner);
  }
}
