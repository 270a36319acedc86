import type { RunSnapshot } from "../protocol/run-snapshot.js";

/** What a view keeps of a run it stopped following: enough to resume without re-reading. */
export interface CachedRun {
  snapshot: RunSnapshot;
  /** The cursor of the last event folded into `snapshot`. */
  cursor: string | undefined;
  eventCount: number;
}

/** Runs remembered per page; the oldest is forgotten first. */
const MAX_CACHED_RUNS = 50;
const cache = new Map<string, CachedRun>();

const key = (baseUrl: string, runId: string) => `${baseUrl} ${runId}`;

/**
 * Remembers a run's folded state when a view stops following it (unmount, `attach` elsewhere),
 * so a remount resumes after its cursor instead of re-reading and re-folding every event.
 * Copies in both directions: a cached snapshot is never shared with a live view.
 */
export function rememberRun(baseUrl: string, runId: string, run: CachedRun): void {
  cache.delete(key(baseUrl, runId));
  cache.set(key(baseUrl, runId), { ...run, snapshot: structuredClone(run.snapshot) });
  if (cache.size > MAX_CACHED_RUNS) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
}

/** The remembered state of a run, as a fresh copy, or undefined. */
export function recallRun(baseUrl: string, runId: string): CachedRun | undefined {
  const run = cache.get(key(baseUrl, runId));
  return run && { ...run, snapshot: structuredClone(run.snapshot) };
}
