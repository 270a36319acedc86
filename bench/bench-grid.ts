import type { BenchCell, Scenario, StoreName, TargetName } from "./bench-cell.js";

const BASE: TargetName[] = ["direct", "raw-node", "ours"];
const COMPRESSED: TargetName[] = [...BASE, "ours+gzip", "ours+br"];
/** A: the peers too (bench/peers/): nginx and FastAPI passing the Letta stream through, FastAPI's fan-out relay. */
const WITH_PEERS: TargetName[] = ["direct", "raw-node", "nginx", "fastapi-pass", "fastapi", "ours"];
/** B up to this many agents: the FastAPI fan-out relay too (one httpx stream per agent). */
const FASTAPI_MAX_AGENTS = 100;

const MEMORY: StoreName[] = ["memory"];
/** The cells of the Redis issue's table: the service on memory, then on Redis, side by side. */
const BOTH: StoreName[] = ["memory", "redis"];

const count = (n: number) => n.toLocaleString("en-US");

function passthrough(rate: number, payload: number, tokens: number, stores = MEMORY): BenchCell {
  return {
    scenario: "A",
    label: `${rate === 0 ? "max" : `${count(rate)} ev/s`} · ${payload >= 1024 ? `${payload / 1024} KB` : `${payload} B`}`,
    agents: 1,
    ratePerSecond: rate,
    tokensPerAgent: tokens,
    payloadBytes: payload,
    readers: 0,
    repeats: 1,
    timeoutMs: 30_000,
    targets: WITH_PEERS,
    stores,
  };
}

function ttfeProbe(repeats: number): BenchCell {
  return {
    scenario: "A",
    label: `TTFE ×${repeats}`,
    agents: 1,
    ratePerSecond: 0,
    tokensPerAgent: 1,
    payloadBytes: 60,
    readers: 0,
    repeats,
    timeoutMs: 5_000,
    targets: BASE,
    stores: MEMORY,
  };
}

function fanIn(agents: number, tokens: number, stores = MEMORY): BenchCell {
  return {
    scenario: "B",
    label: `${count(agents)} agent${agents === 1 ? "" : "s"} × 50 tok/s`,
    agents,
    ratePerSecond: 50,
    tokensPerAgent: tokens,
    payloadBytes: 60,
    readers: 0,
    repeats: 1,
    timeoutMs: 60_000,
    targets: agents <= FASTAPI_MAX_AGENTS ? ["direct", "raw-node", "fastapi", "ours"] : BASE,
    stores,
  };
}

function fanOut(readers: number, tokens: number, targets: TargetName[], stores = MEMORY): BenchCell {
  return {
    scenario: "C",
    label: `4 agents → ${count(readers)} reader${readers === 1 ? "" : "s"}`,
    agents: 4,
    ratePerSecond: 50,
    tokensPerAgent: tokens,
    payloadBytes: 60,
    readers,
    repeats: 1,
    timeoutMs: 60_000,
    targets,
    stores,
  };
}

/** Which cells a run has: the grid, the scenarios, and whether only the store comparison. */
export interface GridOptions {
  quick: boolean;
  only: ReadonlySet<Scenario>;
  /** Only the cells measured on both stores (`--redis`). */
  storeCellsOnly: boolean;
}

/**
 * The cells of a run. Full (about 3 minutes): A at 50, 1,000 ev/s and max with 60 B and 1 KB
 * deltas, each for about 2 s (max: 20,000 or 5,000 deltas), plus a 20-run TTFE probe; B at 1, 16,
 * 100, 1,000 agents × 50 tok/s for 2 s; C with 4 agents × 50 tok/s for 2 s to 1, 10, 100, 1,000
 * readers, with gzip and brotli (G) up to 100 readers. Quick (under a minute): one second per
 * load and a third of the cells. The service runs on memory and on Redis in three cells of both:
 * A at 1,000 ev/s (the rate of the Redis issue's latency target), B with 100 agents and C with 100
 * readers.
 */
export function benchGrid({ quick, only, storeCellsOnly }: GridOptions): BenchCell[] {
  const cells: BenchCell[] = quick
    ? [
        passthrough(1000, 60, 1000, BOTH),
        passthrough(0, 60, 5000),
        ttfeProbe(10),
        fanIn(1, 50),
        fanIn(100, 50, BOTH),
        fanOut(1, 50, BASE),
        fanOut(100, 50, [...BASE, "ours+gzip"], BOTH),
      ]
    : [
        passthrough(50, 60, 100),
        passthrough(50, 1024, 100),
        passthrough(1000, 60, 2000, BOTH),
        passthrough(1000, 1024, 2000),
        passthrough(0, 60, 20_000),
        passthrough(0, 1024, 5000),
        ttfeProbe(20),
        fanIn(1, 100),
        fanIn(16, 100),
        fanIn(100, 100, BOTH),
        fanIn(1000, 100),
        fanOut(1, 100, COMPRESSED),
        fanOut(10, 100, COMPRESSED),
        fanOut(100, 100, COMPRESSED, BOTH),
        fanOut(1000, 100, BASE),
      ];
  const chosen = cells.filter((cell) => only.has(cell.scenario));
  // The store comparison needs neither the other cells nor compression (which runs on memory).
  return storeCellsOnly
    ? chosen
        .filter((cell) => cell.stores.includes("redis"))
        .map((cell) => ({ ...cell, targets: cell.targets.filter((target) => BASE.includes(target)) }))
    : chosen;
}
