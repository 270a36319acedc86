import type { BenchCell, Scenario, TargetName } from "./bench-cell.js";

const BASE: TargetName[] = ["direct", "raw-node", "ours"];
const COMPRESSED: TargetName[] = [...BASE, "ours+gzip", "ours+br"];

const count = (n: number) => n.toLocaleString("en-US");

function passthrough(rate: number, payload: number, tokens: number): BenchCell {
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
    targets: BASE,
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
  };
}

function fanIn(agents: number, tokens: number): BenchCell {
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
    targets: BASE,
  };
}

function fanOut(readers: number, tokens: number, targets: TargetName[]): BenchCell {
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
  };
}

/**
 * The cells of a run. Full (about 3 minutes): A at 50, 1,000 ev/s and max with 60 B and 1 KB
 * deltas, each for about 2 s (max: 20,000 or 5,000 deltas), plus a 20-run TTFE probe; B at 1, 16,
 * 100, 1,000 agents × 50 tok/s for 2 s; C with 4 agents × 50 tok/s for 2 s to 1, 10, 100, 1,000
 * readers, with gzip and brotli (G) up to 100 readers. Quick (under a minute): one second per
 * load and a third of the cells.
 */
export function benchGrid(quick: boolean, only: ReadonlySet<Scenario>): BenchCell[] {
  const cells: BenchCell[] = quick
    ? [
        passthrough(1000, 60, 1000),
        passthrough(0, 60, 5000),
        ttfeProbe(10),
        fanIn(1, 50),
        fanIn(100, 50),
        fanOut(1, 50, BASE),
        fanOut(100, 50, [...BASE, "ours+gzip"]),
      ]
    : [
        passthrough(50, 60, 100),
        passthrough(50, 1024, 100),
        passthrough(1000, 60, 2000),
        passthrough(1000, 1024, 2000),
        passthrough(0, 60, 20_000),
        passthrough(0, 1024, 5000),
        ttfeProbe(20),
        fanIn(1, 100),
        fanIn(16, 100),
        fanIn(100, 100),
        fanIn(1000, 100),
        fanOut(1, 100, COMPRESSED),
        fanOut(10, 100, COMPRESSED),
        fanOut(100, 100, COMPRESSED),
        fanOut(1000, 100, BASE),
      ];
  return cells.filter((cell) => only.has(cell.scenario));
}
