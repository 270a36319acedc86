/** Turns walked in each direction at most: a guard against a cycle or a runaway thread. */
const MAX_TURNS = 100;

/**
 * @typedef {{
 *   snapshots: any[],
 *   gone: string | undefined,
 * }} LoadedThread
 *   `snapshots`: the thread, oldest turn first, each a `GET /v1/runs/{id}` snapshot;
 *   `gone`: an earlier or later run the thread names that the service no longer has (retention).
 */

/**
 * Loads the whole thread a run belongs to: up its `parent_run_id`s to the first question, and
 * down its `follow_ups` to the newest turn. Where a run was followed up more than once, the
 * thread goes on with its newest follow-up (the others stay reachable from that turn).
 * The opened run's own error (401, 404) is thrown; a missing neighbour only ends the walk.
 *
 * @param {ReturnType<typeof import("./api.js").createApi>} api
 * @param {string} runId
 * @returns {Promise<LoadedThread>}
 */
export async function loadThread(api, runId) {
  const get = (/** @type {string} */ id) => api.get(`/v1/runs/${encodeURIComponent(id)}`);
  const opened = await get(runId);
  const snapshots = [opened];
  const seen = new Set([runId]);
  /** @type {string | undefined} */
  let gone;

  /** @param {string | undefined} id */
  const next = (id) => (id !== undefined && !seen.has(id) && seen.size < MAX_TURNS ? id : undefined);

  for (let id = next(opened.parent_run_id); id !== undefined;) {
    seen.add(id);
    let parent;
    try {
      parent = await get(id);
    } catch {
      gone = id;
      break;
    }
    snapshots.unshift(parent);
    id = next(parent.parent_run_id);
  }
  for (let id = next(opened.follow_ups?.at(-1)); id !== undefined;) {
    seen.add(id);
    let child;
    try {
      child = await get(id);
    } catch {
      gone ??= id;
      break;
    }
    snapshots.push(child);
    id = next(child.follow_ups?.at(-1));
  }
  return { snapshots, gone };
}
