import { emptySnapshot, foldEvent, type RunSnapshot } from "../protocol/run-snapshot.js";
import type { EventDraft } from "../protocol/events.js";
import type { RunSummary } from "./event-store.js";
import type { RedisKeys } from "./redis-keys.js";
import { parseRunEntries, type RedisLink } from "./redis-reads.js";

/**
 * `GET /v1/runs/{id}` for a run this instance does not write: the snapshot stored when it ended,
 * or, while it runs elsewhere, its log folded here.
 */
export async function snapshotFromRedis(
  link: RedisLink,
  keys: RedisKeys,
  runId: string,
): Promise<RunSnapshot | undefined> {
  const [stored, createdAt] = (await Promise.all([
    link.send(["GET", keys.runSnapshot(runId)]),
    link.send(["HGET", keys.runMeta(runId), "created_at"]),
  ])) as (string | null)[];
  if (typeof stored === "string") return JSON.parse(stored) as RunSnapshot;
  if (typeof createdAt !== "string") return undefined;
  const snapshot = emptySnapshot(runId, Number(createdAt));
  const entries = await link.sendBuffers(["XRANGE", keys.runLog(runId), "-", "+"]);
  for (const event of parseRunEntries(runId, entries)) {
    const parsed = JSON.parse(event.json) as EventDraft & { ts: number };
    foldEvent(snapshot, parsed, event.seq, parsed.ts);
  }
  return snapshot;
}

/**
 * `GET /v1/runs/{id}` on any instance: `own` (the live snapshot of a run this instance writes) or
 * the one folded from Redis, with the run's follow-ups, which may have started on any instance and
 * are listed in the run's meta (the append script adds each one there).
 */
export async function snapshotWithFollowUps(
  link: RedisLink,
  keys: RedisKeys,
  runId: string,
  own: RunSnapshot | undefined,
): Promise<RunSnapshot | undefined> {
  const [snapshot, followUps] = await Promise.all([
    own ?? snapshotFromRedis(link, keys, runId),
    link.send(["HGET", keys.runMeta(runId), "follow_ups"]) as Promise<string | null>,
  ]);
  if (!snapshot || typeof followUps !== "string") return snapshot;
  return { ...snapshot, follow_ups: followUps.split(" ") };
}

/**
 * `GET /v1/runs` across instances: newest first by creation, `after` a run id. Runs that expired
 * are skipped and dropped from the index. `own` gives the live snapshot of runs this instance
 * writes (their status in Redis is only updated when they end).
 */
export async function listRunsFromRedis(
  link: RedisLink,
  keys: RedisKeys,
  limit: number,
  after: string | undefined,
  own: (runId: string) => RunSnapshot | undefined,
): Promise<RunSummary[]> {
  let start = 0;
  if (after !== undefined) {
    const rank = await link.send(["ZREVRANK", keys.runs, after]);
    if (typeof rank !== "number") return [];
    start = rank + 1;
  }
  const ids = (await link.send([
    "ZREVRANGE",
    keys.runs,
    String(start),
    String(start + limit - 1),
  ])) as string[];
  const metas = (await Promise.all(
    ids.map((id) =>
      link.send(["HMGET", keys.runMeta(id), "panel", "created_at", "status", "agents", "ended_at"]),
    ),
  )) as (string | null)[][];
  const summaries: RunSummary[] = [];
  const gone: string[] = [];
  ids.forEach((runId, index) => {
    const [panel, createdAt, status, agents, endedAt] = metas[index] ?? [];
    if (typeof createdAt !== "string") {
      gone.push(runId);
      return;
    }
    const live = own(runId);
    summaries.push({
      run_id: runId,
      status: live?.status ?? ((status ?? "running") as RunSummary["status"]),
      created_at: new Date(Number(createdAt)).toISOString(),
      ...(typeof endedAt === "string" ? { completed_at: new Date(Number(endedAt)).toISOString() } : {}),
      panel: panel === "" || panel === null || panel === undefined ? null : panel,
      agents: live ? Object.keys(live.agents).length : Number(agents ?? 0),
    });
  });
  if (gone.length > 0) void link.send(["ZREM", keys.runs, ...gone]).catch(() => undefined);
  return summaries;
}
