import type { StoreName, TargetName } from "./bench-cell.js";
import type { CellResult } from "./cell-result.js";

/** One row of BENCH.md's "Ratios that count", as measured. */
export interface RatioRow {
  ratio: string;
  target: string;
  measured: string;
  verdict: "PASS" | "MISS" | "not measured" | "no data" | "info";
  /** How far from the target (negative: headroom), in the ratio's unit. */
  gap: string;
  note: string;
  /** The judged figure and its limit as numbers (set by {@link judged}), for the chart. */
  figure?: { measured: number; limit: number; atLeast: boolean; unit: string };
}

/** The result of `target` in `cell`; the service's rows are on memory unless `store` says Redis. */
export const find = (results: readonly CellResult[], cell: string, target: TargetName, store?: StoreName) =>
  results.find(
    (result) =>
      result.cell === cell &&
      result.target === target &&
      (result.store === undefined || result.store === (store ?? "memory")),
  );

/** A figure with `digits` decimals. */
export const fixed = (value: number, digits = 2) => value.toFixed(digits);
/** A difference with its sign, `+0.50` or `-1.20`. */
export const signed = (value: number, digits = 2) => `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;

/** A row this suite cannot measure (nginx, fastapi, scenarios D–F). */
export function notMeasured(ratio: string, target: string, note: string): RatioRow {
  return { ratio, target, measured: "—", verdict: "not measured", gap: "—", note };
}

/** A row whose cell was not part of this run (`--quick`, `--only`, `--redis`). */
export function noData(ratio: string, target: string, note: string): RatioRow {
  return { ratio, target, measured: "—", verdict: "no data", gap: "—", note };
}

/** `measured ≤ limit` (or ≥ with `atLeast`), with the gap in the ratio's unit. */
export function judged(
  ratio: string,
  target: string,
  measured: number,
  limit: number,
  unit: string,
  note: string,
  atLeast = false,
): RatioRow {
  const pass = atLeast ? measured >= limit : measured <= limit;
  const gap = atLeast ? limit - measured : measured - limit;
  return {
    ratio,
    target,
    measured: `${unit === "ms" ? signed(measured) : fixed(measured)}${unit === "ms" ? " ms" : unit}`,
    verdict: pass ? "PASS" : "MISS",
    gap: `${signed(gap)}${unit === "ms" ? " ms" : unit}`,
    note,
    figure: { measured, limit, atLeast, unit },
  };
}
