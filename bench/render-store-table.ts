import { MAX_EVENTS_PER_CALL } from "../src/store/redis-run-writer.js";
import type { CellResult } from "./cell-result.js";

const dash = "—";
const fixed = (value: number | undefined, digits: number) =>
  value === undefined ? dash : value.toFixed(digits);
const signed = (value: number | undefined) =>
  value === undefined ? dash : `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
const whole = (value: number | undefined) =>
  value === undefined ? dash : Math.round(value).toLocaleString("en-US");
const per = (value: number | undefined, count: number | undefined) =>
  value === undefined || count === undefined || count <= 0 ? undefined : value / count;

const HEADER = [
  "cell",
  "store",
  "CPU µs/ev",
  "÷ memory",
  "+p99 ms",
  "− memory ms",
  "events stored",
  "write ticks/s",
  "flushes/s",
  "round trips/tick",
  "script calls/s",
  "µs in Redis/call",
  "socket reads/s",
  "cmds/s (in scripts too)",
  "Redis CPU µs/stored ev",
  "stream B/ev",
  "firehose B/ev",
  "used_memory Δ B/ev",
];

function row(result: CellResult, memory: CellResult | undefined, direct: CellResult | undefined): string[] {
  const window = result.storeWindow;
  const redis = window?.redis;
  const seconds = result.wallMs / 1000;
  const rate = (count: number | undefined) => per(count, seconds);
  const addedP99 = (of: CellResult | undefined) =>
    of?.latency.p99 === undefined || direct?.latency.p99 === undefined
      ? undefined
      : of.latency.p99 - direct.latency.p99;
  const isRedis = result.store === "redis";
  const ownAdded = addedP99(result);
  const memoryAdded = addedP99(memory);
  return [
    result.cell,
    result.store ?? dash,
    fixed(result.serverCpuUsPerEvent, 1),
    isRedis ? `${fixed(per(result.serverCpuUsPerEvent, memory?.serverCpuUsPerEvent), 2)}×` : dash,
    signed(ownAdded),
    isRedis && ownAdded !== undefined && memoryAdded !== undefined ? signed(ownAdded - memoryAdded) : dash,
    whole(window?.appendedEvents),
    whole(rate(window?.writeTicks)),
    whole(rate(window?.writer?.flushes)),
    fixed(
      per(
        window?.writer === undefined ? undefined : window.writer.flushes + window.writer.scriptLoads,
        window?.writeTicks,
      ),
      3,
    ),
    whole(rate(redis?.scriptCalls)),
    whole(per(redis?.scriptUs, redis?.scriptCalls)),
    whole(rate(redis?.socketReads)),
    whole(rate(redis?.commands)),
    fixed(per(redis?.cpuUs, window?.appendedEvents), 1),
    whole(per(redis?.runLogBytes, redis?.runLogEntries)),
    whole(per(redis?.firehoseDeltaBytes, redis?.firehoseDeltaEntries)),
    whole(per(redis?.usedMemoryDeltaBytes, window?.appendedEvents)),
  ];
}

/**
 * The store dimension (the Redis issue's bench): for every cell run on both stores, the service on
 * memory and on Redis side by side, with what Redis saw. Undefined when no cell ran on Redis.
 */
export function renderStoreTable(results: readonly CellResult[]): string | undefined {
  const cells = [
    ...new Set(
      results.filter((result) => result.target === "ours" && result.store === "redis").map((r) => r.cell),
    ),
  ];
  if (cells.length === 0) return undefined;
  const rows: string[][] = [];
  const details: string[] = [];
  for (const cell of cells) {
    const find = (target: string, store?: string) =>
      results.find((result) => result.cell === cell && result.target === target && result.store === store);
    const memory = find("ours", "memory");
    const redis = find("ours", "redis");
    const direct = find("direct");
    for (const result of [memory, redis]) if (result) rows.push(row(result, memory, direct));
    const writer = redis?.storeWindow?.writer;
    const scriptCalls = redis?.storeWindow?.redis?.scriptCalls;
    if (writer && scriptCalls !== undefined) {
      details.push(
        `- ${cell} on redis, the writer: ${writer.flushes.toLocaleString("en-US")} flushes, ` +
          `${writer.calls.toLocaleString("en-US")} script calls (${writer.scriptLoads} EVAL after NOSCRIPT); ` +
          `Redis ran ${(scriptCalls - writer.calls).toLocaleString("en-US")} other scripts (lease renewal, takeover claim)`,
      );
    }
    const calls = redis?.storeWindow?.redis?.calls;
    if (calls) {
      const byName = Object.entries(calls)
        .sort(([, a], [, b]) => b - a)
        .map(([name, count]) => `${name} ${count.toLocaleString("en-US")}`)
        .join(", ");
      details.push(
        `- ${cell} on redis, Redis calls by command (commands run by scripts included): ${byName}`,
      );
    }
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    "## Store: the service on memory and on Redis (same cells, side by side)",
    "",
    line(HEADER),
    line(HEADER.map(() => "---")),
    ...rows.map(line),
    "",
    "- ÷ memory, − memory: against the service on memory in the same cell. +p99: over direct in that cell",
    "- write ticks/s: event-loop turns in which the service wrote to its store (runs, events, agents' progress; counted in its process): at most one flush each",
    `- flushes/s: the writer's flushes, counted by the writer: one socket write and one round trip each, holding one script call, or several when a tick had more than ${MAX_EVENTS_PER_CALL} events; round trips/tick: (flushes + EVALs sent again after NOSCRIPT) ÷ write ticks, the issue's target (≤ 1)`,
    "- script calls/s: EVALSHA + EVAL as Redis counted them: the writer's, plus the lease renewal and takeover claim every `redis.renew_ms` (split under the table); socket reads/s: Redis's reads of client requests (`total_reads_processed`), one per round trip except that a large flush spans several reads; cmds/s: `total_commands_processed`, which counts every command a script runs. All over the cell's load time (first request → last frame)",
    "- µs in Redis/call: the time Redis spent running one script call (commandstats `usec` ÷ calls)",
    "- Redis CPU: redis-server's `used_cpu_user` + `used_cpu_sys` ÷ events stored",
    "- stream B/ev: `MEMORY USAGE <run log> SAMPLES 0` ÷ `XLEN`, over the cell's runs; firehose B/ev: its growth ÷ its new entries; used_memory Δ: `INFO memory` growth over the cell ÷ events stored (run logs, firehose, metas, snapshots, allocator)",
    ...details,
  ].join("\n");
}
