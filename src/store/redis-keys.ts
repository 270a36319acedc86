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
 * - `{p}events`: the pub/sub channel on which every flush that grew the firehose says its new head
 *   (followed only while someone here reads the firehose);
 * - `{p}run:{id}:events`: the run's pub/sub channel, on which every flush of the run says how far
 *   it got (`last_seq \t ended`), followed only by instances where someone reads the run and that
 *   do not write it;
 * - `{p}control`: the pub/sub channel of cancel requests (`{"run_id","agent_ids"?}`).
 */
export interface RedisKeys {
  prefix: string;
  firehose: string;
  firehoseHead: string;
  runs: string;
  leases: string;
  instances: string;
  firehoseChannel: string;
  control: string;
  runLog(runId: string): string;
  runMeta(runId: string): string;
  runSnapshot(runId: string): string;
  runPlan(runId: string): string;
  runAgents(runId: string): string;
  runChannel(runId: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    firehose: `${prefix}firehose`,
    firehoseHead: `${prefix}firehose:head`,
    runs: `${prefix}runs`,
    leases: `${prefix}leases`,
    instances: `${prefix}instances`,
    firehoseChannel: `${prefix}events`,
    control: `${prefix}control`,
    runLog: (runId) => `${prefix}run:${runId}:log`,
    runMeta: (runId) => `${prefix}run:${runId}:meta`,
    runSnapshot: (runId) => `${prefix}run:${runId}:snapshot`,
    runPlan: (runId) => `${prefix}run:${runId}:plan`,
    runAgents: (runId) => `${prefix}run:${runId}:agents`,
    runChannel: (runId) => `${prefix}run:${runId}:events`,
  };
}

/** What a flush announces on a run's channel: how far its durable log reaches. */
export interface RunProgress {
  lastSeq: number;
  ended: boolean;
}

/** Parses a run channel's message written by the append script (`last_seq \t ended`). */
export function parseProgress(message: string): RunProgress | undefined {
  const tab = message.indexOf("\t");
  const lastSeq = Number(tab < 0 ? Number.NaN : message.slice(0, tab));
  return Number.isInteger(lastSeq) ? { lastSeq, ended: message.slice(tab + 1) === "1" } : undefined;
}

/** Parses the firehose channel's message (the head after a flush); undefined when malformed. */
export function parseFirehoseHead(message: string): number | undefined {
  const head = Number(message);
  return Number.isInteger(head) ? head : undefined;
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
