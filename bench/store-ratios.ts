import type { CellResult } from "./cell-result.js";
import { find, fixed, judged, noData, signed, type RatioRow } from "./ratio-row.js";

/** Cells the service runs on both stores (bench-grid.ts), by the figure each one judges. */
const STORE_CELLS = {
  latency: "1,000 ev/s · 60 B",
  cpu: ["100 agents × 50 tok/s", "4 agents → 100 readers"],
} as const;

/** The Redis issue's targets: the service on Redis against the service on memory, same cell. */
export function storeRatios(results: readonly CellResult[]): RatioRow[] {
  const rows: RatioRow[] = [];
  const bothStores = (cell: string) => {
    const memory = find(results, cell, "ours", "memory");
    const redis = find(results, cell, "ours", "redis");
    return memory && redis?.store === "redis" ? { memory, redis } : undefined;
  };
  for (const cell of [...STORE_CELLS.cpu, STORE_CELLS.latency]) {
    const judgedCell = cell !== STORE_CELLS.latency;
    const name = `CPU per delivered event, ours on Redis ÷ on memory (${cell})`;
    const pair = bothStores(cell);
    const [memory, redis] = [pair?.memory.serverCpuUsPerEvent, pair?.redis.serverCpuUsPerEvent];
    if (memory === undefined || redis === undefined) {
      if (judgedCell) rows.push(noData(name, "≤ 1.5", "cell not run on both stores"));
      continue;
    }
    const note = `${fixed(redis)} vs ${fixed(memory)} µs/event`;
    rows.push(
      judgedCell
        ? judged(name, "≤ 1.5", redis / memory, 1.5, "×", note)
        : {
            ratio: name,
            target: "— (judged in B, C)",
            measured: `${fixed(redis / memory)}×`,
            verdict: "info",
            gap: "—",
            note: `${note}; one event per wake-up here`,
          },
    );
  }

  const latencyName = "added p99 latency, ours on Redis − on memory, at 1,000 events/s";
  const pair = bothStores(STORE_CELLS.latency);
  const others = STORE_CELLS.cpu
    .map((cell) => {
      const both = bothStores(cell);
      const [memory, redis] = [both?.memory.latency.p99, both?.redis.latency.p99];
      return memory === undefined || redis === undefined
        ? undefined
        : `${cell}: ${signed(redis - memory)} ms`;
    })
    .filter((text) => text !== undefined);
  const [memoryP99, redisP99] = [pair?.memory.latency.p99, pair?.redis.latency.p99];
  rows.push(
    memoryP99 === undefined || redisP99 === undefined
      ? noData(latencyName, "≤ +2 ms", `${STORE_CELLS.latency} not run on both stores`)
      : judged(
          latencyName,
          "≤ +2 ms",
          redisP99 - memoryP99,
          2,
          "ms",
          `A ${STORE_CELLS.latency}: p99 ${fixed(redisP99)} vs ${fixed(memoryP99)} ms${others.length > 0 ? `; elsewhere ${others.join(", ")}` : ""}`,
        ),
  );

  const redisRows = results.filter((result) => result.store === "redis" && result.storeWindow?.redis);
  // Judged on the writer's own counts: Redis's EVALSHA count also holds the lease renewal and
  // takeover claim (two scripts every `redis.renew_ms`, whatever the load), which are not flushes.
  const perTick = redisRows.flatMap((result) => {
    const window = result.storeWindow;
    const writer = window?.writer;
    if (!window || !writer) return [];
    const ticks = Math.max(1, window.writeTicks);
    return [
      {
        result,
        writer,
        // A flush is one socket write; an EVAL after a NOSCRIPT is a second round trip for it.
        perTick: (writer.flushes + writer.scriptLoads) / ticks,
        callsPerTick: writer.calls / ticks,
        others: (window.redis?.scriptCalls ?? 0) - writer.calls,
        events: window.appendedEvents,
      },
    ];
  });
  const worst = perTick.reduce<(typeof perTick)[number] | undefined>(
    (max, entry) => (max === undefined || entry.perTick > max.perTick ? entry : max),
    undefined,
  );
  rows.push(
    worst === undefined
      ? noData("Redis round trips per tick, per instance", "≤ 1 (not one per event)", "no cell ran on Redis")
      : judged(
          "Redis round trips of the writer per tick, per instance (worst cell)",
          "≤ 1 (not one per event)",
          worst.perTick,
          1,
          "",
          perTick
            .map(
              ({ result, writer, perTick: ratio, callsPerTick, others, events }) =>
                `${result.cell}: ${fixed(ratio, 3)}/tick (${fixed(callsPerTick, 3)} script calls/tick, ` +
                `${fixed(writer.calls / Math.max(1, events), 3)}/event, ${writer.scriptLoads} NOSCRIPT; ` +
                `+${others} lease/claim scripts)`,
            )
            .join("; "),
        ),
  );

  const memoryNotes = redisRows.map((result) => {
    const redis = result.storeWindow?.redis;
    const events = result.storeWindow?.appendedEvents ?? 0;
    const stream = redis && redis.runLogEntries > 0 ? redis.runLogBytes / redis.runLogEntries : undefined;
    const used = redis && events > 0 ? redis.usedMemoryDeltaBytes / events : undefined;
    return { cell: result.cell, stream, used };
  });
  const streamFigures = memoryNotes.filter((entry) => entry.stream !== undefined);
  rows.push(
    streamFigures.length === 0
      ? noData("Redis memory per stored event", "— (measured)", "no cell ran on Redis")
      : {
          ratio: "Redis memory per stored event (run log stream; used_memory Δ)",
          target: "— (measured)",
          measured: streamFigures.map((entry) => `${fixed(entry.stream ?? 0, 0)} B`).join(" / "),
          verdict: "info",
          gap: "—",
          note: memoryNotes
            .map(
              (entry) =>
                `${entry.cell}: stream ${fixed(entry.stream ?? 0, 0)} B/ev, used_memory ${entry.used === undefined ? "—" : fixed(entry.used, 0)} B/ev`,
            )
            .join("; "),
        },
  );
  return rows;
}
