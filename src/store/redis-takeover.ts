import type { AgentEndStatus } from "../protocol/events.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { RedisKeys } from "./redis-keys.js";
import type { RedisLink } from "./redis-reads.js";
import { snapshotFromRedis } from "./redis-run-queries.js";

/** A run this instance took over: what it needs to continue it where the last owner stopped. */
export interface TakenRun {
  runId: string;
  panel: string | null;
  createdAt: number;
  /** The plan the run was started with (JSON as stored), or undefined if it is missing. */
  plan: unknown;
  /** Agents that had ended, with their status. */
  ended: Record<string, AgentEndStatus>;
  /** Each started agent's progress upstream, as its last owner reported it (parsed JSON). */
  progress: Record<string, unknown>;
  /** The log as it stands: its last seq, and the snapshot folded from it. */
  lastSeq: number;
  snapshot: RunSnapshot;
}

const ENDED = new Set(["completed", "failed", "cancelled", "timed_out"]);

/** Reads what continuing `runId` takes; undefined when the run is gone or has ended meanwhile. */
export async function loadTakenRun(
  link: RedisLink,
  keys: RedisKeys,
  runId: string,
): Promise<TakenRun | undefined> {
  const [meta, plan, agents, snapshot] = await Promise.all([
    link.send(["HMGET", keys.runMeta(runId), "panel", "created_at", "last_seq", "ended_at"]) as Promise<
      (string | null)[]
    >,
    link.send(["GET", keys.runPlan(runId)]) as Promise<string | null>,
    link.send(["HGETALL", keys.runAgents(runId)]) as Promise<Record<string, string> | string[]>,
    snapshotFromRedis(link, keys, runId),
  ]);
  const [panel, createdAt, lastSeq, endedAt] = meta;
  if (
    typeof createdAt !== "string" ||
    typeof lastSeq !== "string" ||
    typeof endedAt === "string" ||
    !snapshot
  ) {
    return undefined;
  }
  const ended: Record<string, AgentEndStatus> = {};
  for (const [agentId, agent] of Object.entries(snapshot.agents))
    if (ENDED.has(agent.status)) ended[agentId] = agent.status as AgentEndStatus;
  const progress: Record<string, unknown> = {};
  for (const [agentId, json] of Object.entries(pairs(agents))) progress[agentId] = JSON.parse(json);
  return {
    runId,
    panel: panel === "" || panel === null || panel === undefined ? null : panel,
    createdAt: Number(createdAt),
    plan: typeof plan === "string" ? JSON.parse(plan) : undefined,
    ended,
    progress,
    lastSeq: Number(lastSeq),
    snapshot,
  };
}

/** HGETALL answers a map (RESP3) or a flat list (RESP2). */
function pairs(reply: Record<string, string> | string[]): Record<string, string> {
  if (!Array.isArray(reply)) return reply;
  const result: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2)
    result[reply[index] ?? ""] = reply[index + 1] ?? "";
  return result;
}
