import type { Scenario } from "./bench-cell.js";

/** What `npm run bench -- …` asked for. */
export interface BenchOptions {
  /** The smaller grid (under a minute). */
  quick: boolean;
  /** Scenarios to run. */
  only: ReadonlySet<Scenario>;
  /** Only the cells measured on both stores, memory and Redis (`--redis`). */
  storeCellsOnly: boolean;
  /** Leave Redis out: the service runs on memory only (`--no-redis`). */
  noRedis: boolean;
  /** Also write bench/RESULTS.md and bench/RESULTS.svg from this run (`--results`). */
  results: boolean;
}

const SCENARIOS: readonly Scenario[] = ["A", "B", "C", "D", "E", "F"];

/** The help text printed with any argument error. */
export const USAGE = `usage: npm run bench -- [--quick] [--only A,B,C,D,E,F] [--redis | --no-redis] [--results]
  --quick         a smaller grid, shorter loads (E: 20 s instead of 120 s), fewer steps
  --only A,B      run only these scenarios (A passthrough, B fan-in, C fan-out with G compression,
                  D capacity ramp, E slow reader, F idle readers)
  --redis         only the cells that compare the stores (A 1,000 ev/s, B 100 agents, C 100 readers),
                  with the service on memory and on Redis (a redis-server of the bench's own)
  --no-redis      the service on memory only (no redis-server is started)
  --results       also write bench/RESULTS.md and bench/RESULTS.svg (the committed latest run)`;

/**
 * Parses the bench's arguments (`--quick`, `--only A,B` or `--only=A,B`, `--redis`, `--no-redis`).
 * Throws with the usage on anything else, so a typo never silently runs the full grid.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let only = new Set<Scenario>(SCENARIOS);
  let storeCellsOnly = false;
  let noRedis = false;
  let results = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--quick") quick = true;
    else if (arg === "--redis") storeCellsOnly = true;
    else if (arg === "--no-redis") noRedis = true;
    else if (arg === "--results") results = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value) throw new Error(`--only needs a list such as A,B\n${USAGE}`);
      only = new Set();
      for (const name of value.toUpperCase().split(",")) {
        const scenario = SCENARIOS.find((known) => known === name.trim());
        if (!scenario)
          throw new Error(
            `unknown scenario ${JSON.stringify(name)} (known: ${SCENARIOS.join(", ")})\n${USAGE}`,
          );
        only.add(scenario);
      }
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (storeCellsOnly && noRedis) throw new Error(`--redis and --no-redis exclude each other\n${USAGE}`);
  return { quick, only, storeCellsOnly, noRedis, results };
}
