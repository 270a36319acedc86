/**
 * Where a Redis store keeps things (all under one prefix, so that several deployments or test
 * cases can share a Redis without meeting):
 *
 * - `{p}run:{id}:log`: a Stream, one entry per event with id `0-<seq>`: `t` type, `a` agent id,
 *   `f` the SSE frame (the event's only copy);
 * - `{p}run:{id}:meta`: a Hash: `panel`, `created_at`, `last_seq` (the last durable seq),
 *   `status`, `agents`, `ended_at`;
 * - `{p}run:{id}:snapshot`: the run's final snapshot (JSON), written when it ends;
 * - `{p}run:{id}:lease`: the id of the instance running it, expiring unless renewed;
 * - `{p}run:{id}:plan` and `{p}run:{id}:agents`: what another instance needs to continue the run
 *   (its plan, and each agent's progress upstream), deleted when it ends;
 * - `{p}leases`: running runs by lease deadline (ms), where instances look for runs to take over;
 * - `{p}instances`: live instances by last renewal (ms), so a stopping one knows if it can hand over;
 * - `{p}runs`: a sorted set of run ids by creation time (`GET /v1/runs`);
 * - `{p}firehose`: a Stream of references `r` run id, `s` seq, `p` panel, with id `0-<position>`;
 * - `{p}firehose:head`: the last firehose position, started at the first write's time in µs so
 *   that positions of an earlier Redis (flushed, replaced) are never issued again;
 * - `{p}events`: the pub/sub channel on which every flush says how far each run got;
 * - `{p}control`: the pub/sub channel of cancel requests (`{"run_id","agent_ids"?}`).
 */
export interface RedisKeys {
  prefix: string;
  firehose: string;
  firehoseHead: string;
  runs: string;
  leases: string;
  instances: string;
  channel: string;
  control: string;
  runLog(runId: string): string;
  runMeta(runId: string): string;
  runSnapshot(runId: string): string;
  runPlan(runId: string): string;
  runAgents(runId: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    firehose: `${prefix}firehose`,
    firehoseHead: `${prefix}firehose:head`,
    runs: `${prefix}runs`,
    leases: `${prefix}leases`,
    instances: `${prefix}instances`,
    channel: `${prefix}events`,
    control: `${prefix}control`,
    runLog: (runId) => `${prefix}run:${runId}:log`,
    runMeta: (runId) => `${prefix}run:${runId}:meta`,
    runSnapshot: (runId) => `${prefix}run:${runId}:snapshot`,
    runPlan: (runId) => `${prefix}run:${runId}:plan`,
    runAgents: (runId) => `${prefix}run:${runId}:agents`,
  };
}

/** What a flush announces on the channel for one run: how far its durable log reaches. */
export interface RunProgress {
  runId: string;
  lastSeq: number;
  ended: boolean;
  /** The firehose head after this flush. */
  firehoseHead: number;
}

/** Parses a channel message written by the append script (`id \t last_seq \t ended \t head`). */
export function parseProgress(message: string): RunProgress | undefined {
  const [runId, lastSeq, ended, head] = message.split("\t");
  if (runId === undefined || lastSeq === undefined || head === undefined) return undefined;
  return { runId, lastSeq: Number(lastSeq), ended: ended === "1", firehoseHead: Number(head) };
}

/** Parses a cancel request from the control channel; undefined for anything malformed. */
export function parseCancelRequest(
  message: string,
): { runId: string; agentIds: readonly string[] | undefined } | undefined {
  try {
    const parsed = JSON.parse(message) as { run_id?: unknown; agent_ids?: unknown };
    if (typeof parsed.run_id !== "string") return undefined;
    const agentIds = Array.isArray(parsed.agent_ids)
      ? parsed.agent_ids.filter((id): id is string => typeof id === "string")
      : undefined;
    return { runId: parsed.run_id, agentIds };
  } catch {
    return undefined;
  }
}
