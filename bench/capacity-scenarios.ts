import type { Scenario } from "./bench-cell.js";
import { runCapacityRamp, type RampOutcome } from "./capacity-ramp.js";
import type { CapacityContext } from "./capacity-targets.js";
import type { CellResult } from "./cell-result.js";
import { runIdleReaders, type IdleReadersOutcome } from "./scenario-idle-readers.js";
import { runSlowReader, type SlowReaderOutcome } from "./scenario-slow-reader.js";

/** What scenarios D, E and F measured (each undefined when not run), kept in the JSON results. */
export interface CapacityResults {
  /** The scenarios asked for (`--only`). */
  ran: Scenario[];
  ramp: RampOutcome | undefined;
  slowReader: SlowReaderOutcome | undefined;
  idleReaders: IdleReadersOutcome | undefined;
  /** A scenario that failed as a whole, and why. */
  notes: string[];
}

/** D's cells as CellResults (figure table, correctness row); E and F report in tables of their own. */
export function capacityCells(capacity: CapacityResults | undefined): CellResult[] {
  return capacity?.ramp?.results ?? [];
}

/**
 * Runs the scenarios of `only` among D (capacity ramp), E (slow reader) and F (idle readers), one
 * after another, each on target processes of its own, after A–C. A scenario that fails ends with
 * a note; the others still run.
 */
export async function runCapacityScenarios(
  only: ReadonlySet<Scenario>,
  context: CapacityContext,
): Promise<CapacityResults> {
  const results: CapacityResults = {
    ran: (["D", "E", "F"] as const).filter((scenario) => only.has(scenario)),
    ramp: undefined,
    slowReader: undefined,
    idleReaders: undefined,
    notes: [],
  };
  const attempt = async <T>(scenario: Scenario, run: () => Promise<T>): Promise<T | undefined> => {
    if (!only.has(scenario)) return undefined;
    try {
      return await run();
    } catch (error) {
      const note = `scenario ${scenario} failed: ${error instanceof Error ? error.message : String(error)}`;
      results.notes.push(note);
      context.log(`⚠ ${note}`);
      return undefined;
    }
  };
  results.ramp = await attempt("D", () => runCapacityRamp(context));
  results.slowReader = await attempt("E", () => runSlowReader(context));
  results.idleReaders = await attempt("F", () => runIdleReaders(context));
  return results;
}
