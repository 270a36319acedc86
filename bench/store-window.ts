import type { WriterCounts } from "../src/store/redis-run-writer.js";
import type { StoreName } from "./bench-cell.js";

/** Redis as seen from its own counters over a cell (INFO deltas, MEMORY USAGE of the cell's keys). */
export interface RedisWindow {
  /** Δ `total_commands_processed` without the probe's own: commands run inside scripts count too. */
  commands: number;
  /** Δ calls per command (`INFO commandstats`), probe's INFO left out; includes script-run commands. */
  calls: Record<string, number>;
  /**
   * Δ calls of EVALSHA + EVAL: the writer's script calls and the instance's other scripts (lease
   * renewal and takeover claim, once every `redis.renew_ms`); {@link StoreWindow.writer} tells them apart.
   */
  scriptCalls: number;
  /** Δ time Redis spent running those scripts (commandstats `usec`), µs: Redis is busy this long. */
  scriptUs: number;
  /**
   * Δ `total_reads_processed` without the probe's own: socket reads of client requests. node-redis
   * writes the commands of one tick in one go, so this counts round trips, not commands.
   */
  socketReads: number;
  /** Δ `used_cpu_user` + `used_cpu_sys` of redis-server, µs. */
  cpuUs: number;
  /** Δ `used_memory` (INFO memory): everything the cell left in Redis, allocator's view. */
  usedMemoryDeltaBytes: number;
  /** Σ `MEMORY USAGE <run log> SAMPLES 0` and Σ `XLEN` over the runs created in the cell. */
  runLogBytes: number;
  runLogEntries: number;
  /** Σ `MEMORY USAGE` of those runs' meta hashes and snapshots. */
  runKeyBytes: number;
  /** Δ `MEMORY USAGE` and Δ `XLEN` of the firehose stream (its references to the cell's events). */
  firehoseDeltaBytes: number;
  firehoseDeltaEntries: number;
}

/** What the service's event store did over a cell, counted in the service process. */
export interface StoreWindow {
  store: StoreName;
  runs: number;
  appendedEvents: number;
  /**
   * Event-loop turns in which the service wrote to its store (a run, events, an agent's progress):
   * the ticks the Redis writer may flush, one script call each at most.
   */
  writeTicks: number;
  /** What the Redis writer sent over the cell, counted by the writer itself; undefined on memory. */
  writer: WriterCounts | undefined;
  redis: RedisWindow | undefined;
}
