import type { BenchCell, CellRun, TargetName } from "./bench-cell.js";
import {
  envOf,
  startCapacityTarget,
  type CapacityContext,
  type CapacityTarget,
  type StartedTarget,
  withPool,
} from "./capacity-targets.js";
import type { CellResult } from "./cell-result.js";
import { runCell } from "./run-cell.js";

/** One load of the ramp: `agents` × `ratePerSecond` tokens/s, read by `readers` readers. */
export interface RampStep {
  label: string;
  agents: number;
  ratePerSecond: number;
  readers: number;
}

/** Why a step is past the knee; `ok` when it is not. */
export type StepVerdict = "ok" | "latency" | "backlog" | "errors";

/** One target at one step of the ramp. */
export interface RampPoint {
  step: number;
  label: string;
  target: TargetName;
  p99Ms: number | undefined;
  /** p99 over direct's p99 at the same step (agents × rate, one reader): what the target adds. */
  addedP99Ms: number | undefined;
  /** Deltas/s the step offers to all readers: agents × rate × readers. */
  offeredPerSecond: number;
  /** Deltas received by all readers ÷ (upstream let go → last frame). */
  deliveredPerSecond: number;
  /** delivered ÷ offered. */
  deliveredShare: number;
  /** The load core's busy share over the step: the load client's CPU + the upstream's, ÷ wall time. */
  loadCoreShare: number;
  /** The target's CPU over the step ÷ wall time (undefined for direct). */
  targetCoreShare: number | undefined;
  verdict: StepVerdict;
  why: string;
  /** Set when the step ran twice: what its first run failed on (the figures are the second run's). */
  retried?: string;
}

/** Where a target's ramp ended. */
export interface Knee {
  target: CapacityTarget;
  /** Index of the last step that passed, undefined when the first step already failed. */
  lastGood: number | undefined;
  /** Index of the first step that failed, undefined when none did. */
  firstBad: number | undefined;
  /** One sentence: the knee, or why the ramp ended before one. */
  summary: string;
}

/** Scenario D's outcome. */
export interface RampOutcome {
  steps: RampStep[];
  stepSeconds: number;
  points: RampPoint[];
  knees: Knee[];
  /** Set when direct itself could not take a step: the load core, not a target, was the limit. */
  loadBound: string | undefined;
  /** The cells as CellResults, for the figure table and the correctness row. */
  results: CellResult[];
}

/** BENCH.md's limit on p99 added latency. */
export const RAMP_P99_LIMIT_MS = 50;
/** "A backlog grows": delivered deltas/s below this share of the offered rate. */
export const RAMP_MIN_DELIVERED_SHARE = 0.95;
/** Load core busier than this: a failing step may be the load's limit rather than the target's. */
const LOAD_CORE_BUSY = 0.9;

const step = (agents: number, ratePerSecond: number, readers: number): RampStep => ({
  label: `${agents} × ${ratePerSecond} tok/s × ${readers} reader${readers === 1 ? "" : "s"}`,
  agents,
  ratePerSecond,
  readers,
});

/**
 * The ramp: the offered load doubles at (almost) every step, by agents, by rate or by readers, from
 * 100 deltas/s to 409,600 delivered deltas/s. Readers stop at 16 so that the load client, which
 * shares a core with the upstream, is not the first to give out. `--quick` takes every other step.
 */
export const RAMP_STEPS: readonly RampStep[] = [
  step(4, 25, 1),
  step(8, 50, 1),
  step(8, 50, 4),
  step(16, 50, 4),
  step(32, 50, 4),
  step(32, 50, 16),
  step(64, 50, 16),
  step(128, 50, 16),
  step(256, 50, 16),
  step(512, 50, 16),
];

function rampCell(rampStep: RampStep, seconds: number): BenchCell {
  return {
    scenario: "D",
    label: rampStep.label,
    agents: rampStep.agents,
    ratePerSecond: rampStep.ratePerSecond,
    tokensPerAgent: Math.round(rampStep.ratePerSecond * seconds),
    payloadBytes: 60,
    readers: rampStep.readers,
    // Two readers parse every delta (latency, text); the others count frames and check seq, so the
    // load client's CPU stays small next to the target's.
    fullReaders: 2,
    repeats: 1,
    timeoutMs: seconds * 1000 + 30_000,
    targets: ["direct", "raw-node", "ours"],
    stores: ["memory"],
  };
}

function judge(
  index: number,
  rampStep: RampStep,
  result: CellResult,
  direct: CellResult | undefined,
): RampPoint {
  const readers = result.target === "direct" ? 1 : rampStep.readers;
  const offeredPerSecond = rampStep.agents * rampStep.ratePerSecond * readers;
  const deliveredPerSecond = result.loadMs > 0 ? (result.deliveredDeltas / result.loadMs) * 1000 : 0;
  const deliveredShare = offeredPerSecond > 0 ? deliveredPerSecond / offeredPerSecond : 0;
  const p99Ms = result.latency.p99;
  const addedP99Ms =
    result.target === "direct" || p99Ms === undefined ? undefined : p99Ms - (direct?.latency.p99 ?? 0);
  const wallUs = result.upstream.wallMs * 1000;
  const clientUs = (result.clientCpuUsPerEvent ?? 0) * result.deliveredEvents;
  const loadCoreShare = wallUs > 0 ? (clientUs + result.upstream.cpuUs) / wallUs : 0;
  const targetCoreShare =
    result.server && result.server.wallMs > 0
      ? result.server.cpuUs / (result.server.wallMs * 1000)
      : undefined;
  const { counts } = result;
  const errors =
    counts.missing + counts.duplicated + counts.outOfOrder + counts.corrupt + counts.textMismatches;
  let verdict: StepVerdict = "ok";
  let why = "";
  if (result.problems.length > 0 || errors > 0) {
    verdict = "errors";
    why = [
      ...result.problems,
      ...(errors > 0 ? [`${errors} missing/duplicated/out-of-order/corrupt`] : []),
    ].join("; ");
  } else if (deliveredShare < RAMP_MIN_DELIVERED_SHARE) {
    verdict = "backlog";
    why = `delivered ${Math.round(deliveredShare * 100)} % of the offered rate`;
  } else if (addedP99Ms !== undefined && addedP99Ms > RAMP_P99_LIMIT_MS) {
    verdict = "latency";
    why = `p99 +${addedP99Ms.toFixed(1)} ms over direct`;
  }
  if (loadCoreShare >= LOAD_CORE_BUSY)
    why += `${why ? "; " : ""}load core ${Math.round(loadCoreShare * 100)} % busy`;
  return {
    step: index,
    label: rampStep.label,
    target: result.target,
    p99Ms,
    addedP99Ms,
    offeredPerSecond,
    deliveredPerSecond,
    deliveredShare,
    loadCoreShare,
    targetCoreShare,
    verdict,
    why,
  };
}

/**
 * Scenario D: runs the ramp's steps in order, each with direct (the floor: one reader of the same
 * agents × rate), then raw-node and ours, each a fresh process for the whole ramp. A target's ramp
 * stops at its first step whose p99 is more than 50 ms over direct's, whose delivered rate falls
 * more than 5 % below the offered one (the backlog grows: the last deltas arrive later and later),
 * or that loses, duplicates or reorders anything (a step failing on latency or backlog runs once
 * more and fails only if it fails again); the step before is its knee. When direct itself
 * cannot take a step, the load core is the limit and the ramp ends there for all.
 */
export async function runCapacityRamp(context: CapacityContext): Promise<RampOutcome> {
  const stepSeconds = context.quick ? 1.5 : 3;
  const steps = context.quick ? RAMP_STEPS.filter((_, index) => index % 2 === 1) : [...RAMP_STEPS];
  const outcome: RampOutcome = {
    steps,
    stepSeconds,
    points: [],
    knees: [],
    loadBound: undefined,
    results: [],
  };
  const running = new Map<CapacityTarget, StartedTarget>();
  const active = new Set<CapacityTarget>(["raw-node", "ours"]);
  const firstBad = new Map<CapacityTarget, number>();
  const lastGood = new Map<CapacityTarget, number>();
  try {
    for (const target of active) running.set(target, await startCapacityTarget(target, context));
    const runOn = (cell: BenchCell, run: CellRun) =>
      withPool((agent) => runCell(cell, run, envOf(context, running, agent)));
    for (const [index, rampStep] of steps.entries()) {
      if (active.size === 0) break;
      const cell = rampCell(rampStep, stepSeconds);
      const direct = await runOn(cell, { target: "direct", store: undefined });
      outcome.results.push(direct);
      const directPoint = judge(index, rampStep, direct, undefined);
      outcome.points.push(directPoint);
      context.log(describePoint(directPoint));
      if (directPoint.verdict !== "ok") {
        outcome.loadBound = `direct could not take step ${index + 1} (${rampStep.label}): ${directPoint.why}`;
        break;
      }
      for (const target of [...active]) {
        const run = { target, store: target === "ours" ? ("memory" as const) : undefined };
        const result = await runOn(cell, run);
        let point = judge(index, rampStep, result, direct);
        // One stall of a shared machine should not end a ramp: a step that failed on latency or
        // backlog runs once more, and fails only if it fails again. Loss is never retried.
        if (point.verdict === "latency" || point.verdict === "backlog") {
          context.log(`${describePoint(point)}; running the step again`);
          const again = await runOn(cell, run);
          const retry = judge(index, rampStep, again, direct);
          const first = `first run ${point.verdict}: ${point.why}`;
          point = { ...retry, retried: first };
          outcome.results.push(again);
        } else outcome.results.push(result);
        outcome.points.push(point);
        context.log(describePoint(point));
        if (point.verdict === "ok") lastGood.set(target, index);
        else {
          firstBad.set(target, index);
          active.delete(target);
        }
      }
    }
  } finally {
    await Promise.all([...running.values()].map(({ child }) => child.close()));
  }
  for (const target of ["raw-node", "ours"] as const) {
    outcome.knees.push(kneeOf(target, steps, lastGood.get(target), firstBad.get(target), outcome));
  }
  return outcome;
}

function kneeOf(
  target: CapacityTarget,
  steps: readonly RampStep[],
  lastGood: number | undefined,
  firstBad: number | undefined,
  outcome: RampOutcome,
): Knee {
  const name = (index: number) => `step ${index + 1} (${steps[index]?.label ?? "?"})`;
  const bad =
    firstBad === undefined
      ? undefined
      : outcome.points.find((p) => p.target === target && p.step === firstBad);
  let summary: string;
  if (firstBad !== undefined) {
    summary =
      lastGood === undefined
        ? `below the first step: ${name(firstBad)} already failed (${bad?.verdict}: ${bad?.why})`
        : `${name(lastGood)}; ${name(firstBad)} failed (${bad?.verdict}: ${bad?.why})`;
  } else if (lastGood === undefined) summary = "not measured (no step ran)";
  else if (outcome.loadBound !== undefined)
    summary = `at least ${name(lastGood)}: the ramp ended at the load's limit`;
  else summary = `at least ${name(lastGood)}, the last step of the ramp`;
  return { target, lastGood, firstBad, summary };
}

function describePoint(point: RampPoint): string {
  const p99 = point.p99Ms === undefined ? "—" : `${point.p99Ms.toFixed(2)} ms`;
  return (
    `D ${point.label.padEnd(28)} ${point.target.padEnd(9)} p99 ${p99} ` +
    `${Math.round(point.deliveredPerSecond).toLocaleString("en-US")}/${point.offeredPerSecond.toLocaleString("en-US")} δ/s ` +
    `load core ${Math.round(point.loadCoreShare * 100)} % ${point.verdict}${point.why ? ` (${point.why})` : ""}`
  );
}
