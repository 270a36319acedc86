import type { StoredEvent } from "./event-store.js";
import type { RedisKeys } from "./redis-keys.js";

/**
 * One flush of a writer: every run's new events of one tick, applied by one script call (one
 * round trip, atomic, so every instance sees the same order). The script is idempotent per seq
 * (events at or below the run's `last_seq` are skipped), so a batch whose reply was lost with a
 * connection can simply be sent again. It checks every run before it writes anything: a script
 * that fails leaves Redis as it was.
 *
 * A run Redis does not have is refused with `NORUN <run ids>` (its creation is in a call that
 * failed, or Redis lost it). A segment whose first event is past the run's next seq (an earlier call failed) is refused with
 * `GAP <run ids>`, also before anything is written, so pipelined calls never write past a hole.
 * Every run of the batch must be leased to `owner` (the writing instance): a writer that lost a
 * run (its lease lapsed, another instance took it over) gets `FENCED <run ids>` and writes
 * nothing, so two writers never interleave in one log.
 *
 * The firehose head is read once and written once per call (not an INCR per event): the script
 * is atomic, so positions stay gapless and in one order for every instance. Each run's progress
 * is announced on that run's own channel (`{prefix}run:{id}:events`: `last_seq \t ended`), which
 * only instances with a reader of the run listen to (never its writer), and the new head once on
 * the firehose channel, which only instances with a firehose reader listen to.
 *
 * KEYS: firehose, firehose head, runs, leases.
 * ARGV: prefix, firehose channel, max firehose events, max events per run, run TTL s, max runs, safety TTL
 * s, owner, lease ms, number of runs; then per run: id, panel, created_at ms ("" unless the batch
 * creates it), parent run id (a follow-up's, "" for none), status, agents, ended_at ms, snapshot
 * JSON ("" = unchanged), plan JSON, progress count, event count; then per progress: agent id, JSON; then per event: seq, type, agent id,
 * frame. Returns each run's last seq, then the firehose head.
 */
export const APPEND_SCRIPT = `
local fh, fhHead, runs, leases = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, channel = ARGV[1], ARGV[2]
local maxFh, maxEv, ttl, maxRuns, safety = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local owner, leaseMs = ARGV[8], tonumber(ARGV[9])
local nruns = tonumber(ARGV[10])
local function int(x) return string.format('%.0f', x) end
local function skip(i) return i + 11 + 2 * tonumber(ARGV[i + 9]) + 4 * tonumber(ARGV[i + 10]) end

local fenced, norun, creating, gaps, nextSeq = {}, {}, {}, {}, {}
local i = 11
for r = 1, nruns do
  local id, created = ARGV[i], ARGV[i + 2]
  local base = prefix .. 'run:' .. id
  if created ~= '' and redis.call('EXISTS', base .. ':meta') == 0 then creating[id] = true end
  if not creating[id] then
    if redis.call('EXISTS', base .. ':meta') == 0 then
      norun[#norun + 1] = id
    elseif redis.call('GET', base .. ':lease') ~= owner then
      fenced[#fenced + 1] = id
    end
  end
  local n = tonumber(ARGV[i + 10])
  if n > 0 then
    local first = i + 11 + 2 * tonumber(ARGV[i + 9])
    local expected = nextSeq[id]
    if expected == nil then
      expected = 1
      if not creating[id] then expected = tonumber(redis.call('HGET', base .. ':meta', 'last_seq') or '0') + 1 end
    end
    if tonumber(ARGV[first]) > expected then gaps[#gaps + 1] = id end
    nextSeq[id] = math.max(expected, tonumber(ARGV[first + 4 * (n - 1)]) + 1)
  end
  i = skip(i)
end
if #fenced > 0 then return redis.error_reply('FENCED ' .. table.concat(fenced, ' ')) end
if #norun > 0 then return redis.error_reply('NORUN ' .. table.concat(norun, ' ')) end
if #gaps > 0 then return redis.error_reply('GAP ' .. table.concat(gaps, ' ')) end

if redis.call('EXISTS', fhHead) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', fhHead, int(tonumber(now[1]) * 1000000 + tonumber(now[2])))
end
local clock = redis.call('TIME')
local nowMs = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local out = {}
local first = tonumber(redis.call('GET', fhHead))
local head = first
i = 11
for r = 1, nruns do
  local id, panel, created, parent = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local status, agents, endedAt, snapshot, plan = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local nprogress, n = tonumber(ARGV[i + 9]), tonumber(ARGV[i + 10])
  i = i + 11
  local base = prefix .. 'run:' .. id
  local log, meta = base .. ':log', base .. ':meta'
  if created ~= '' and redis.call('EXISTS', meta) == 0 then
    redis.call('HSET', meta, 'panel', panel, 'created_at', created, 'last_seq', 0, 'status', 'running', 'agents', 0, 'owner', owner)
    redis.call('EXPIRE', meta, safety)
    redis.call('SET', base .. ':lease', owner, 'PX', leaseMs)
    redis.call('ZADD', leases, nowMs + leaseMs, id)
    if plan ~= '' then redis.call('SET', base .. ':plan', plan, 'EX', safety) end
    if parent ~= '' then
      -- A follow-up is listed on its parent, in the parent's meta (so it expires with it).
      local parentMeta = prefix .. 'run:' .. parent .. ':meta'
      if redis.call('EXISTS', parentMeta) == 1 then
        local before = redis.call('HGET', parentMeta, 'follow_ups')
        if before then redis.call('HSET', parentMeta, 'follow_ups', before .. ' ' .. id)
        else redis.call('HSET', parentMeta, 'follow_ups', id) end
      end
    end
    redis.call('ZADD', runs, created, id)
    local excess = redis.call('ZCARD', runs) - maxRuns
    if excess > 0 then
      -- The oldest ended (or expired) runs go; running ones are skipped, within a bounded scan.
      for _, old in ipairs(redis.call('ZRANGE', runs, 0, excess + 255)) do
        if excess <= 0 then break end
        local oldMeta = prefix .. 'run:' .. old .. ':meta'
        if redis.call('HEXISTS', oldMeta, 'ended_at') == 1 or redis.call('EXISTS', oldMeta) == 0 then
          redis.call('DEL', oldMeta, prefix .. 'run:' .. old .. ':log', prefix .. 'run:' .. old .. ':snapshot')
          redis.call('ZREM', runs, old)
          excess = excess - 1
        end
      end
    end
  end
  if nprogress > 0 then
    for p = 1, nprogress do
      redis.call('HSET', base .. ':agents', ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    redis.call('EXPIRE', base .. ':agents', safety)
  end
  local last = tonumber(redis.call('HGET', meta, 'last_seq'))
  local fresh = last == 0
  for e = 1, n do
    local seq = tonumber(ARGV[i])
    if seq == last + 1 then
      redis.call('XADD', log, 'MAXLEN', '~', maxEv, '0-' .. ARGV[i], 't', ARGV[i + 1], 'a', ARGV[i + 2], 'f', ARGV[i + 3])
      head = head + 1
      redis.call('XADD', fh, 'MAXLEN', '~', maxFh, '0-' .. int(head), 'r', id, 's', ARGV[i], 'p', panel)
      last = seq
    end
    i = i + 4
  end
  if fresh and last > 0 then redis.call('EXPIRE', log, safety) end
  redis.call('HSET', meta, 'last_seq', last)
  if status ~= '' then redis.call('HSET', meta, 'status', status) end
  if agents ~= '' then redis.call('HSET', meta, 'agents', agents) end
  local ended = '0'
  if endedAt ~= '' then
    ended = '1'
    redis.call('HSET', meta, 'ended_at', endedAt)
    redis.call('SET', base .. ':snapshot', snapshot, 'EX', ttl)
    redis.call('EXPIRE', meta, ttl)
    redis.call('EXPIRE', log, ttl)
    redis.call('DEL', base .. ':lease', base .. ':plan', base .. ':agents')
    redis.call('ZREM', leases, id)
  elseif redis.call('HEXISTS', meta, 'ended_at') == 1 then
    ended = '1'
  end
  redis.call('PUBLISH', base .. ':events', int(last) .. '\\t' .. ended)
  out[#out + 1] = last
end
if head ~= first then
  redis.call('SET', fhHead, int(head))
  redis.call('PUBLISH', channel, int(head))
end
out[#out + 1] = int(head)
return out
`;

/** Retention settings the script enforces (config `retention`). */
export interface ScriptRetention {
  run_ttl_s: number;
  max_events_per_run: number;
  max_firehose_events: number;
  max_runs: number;
}

/**
 * What one run contributes to a flush: a segment of its events (a run appears again after
 * another run's segment when their appends interleaved), with the run's meta changes.
 */
export interface RunBatch {
  runId: string;
  panel: string | null;
  /** Set when this batch creates the run (its first flush). */
  createdAt: number | undefined;
  /** A follow-up's parent run, set with its creation: the script lists the follow-up on it. */
  parent?: string | undefined;
  /** Summary fields for `GET /v1/runs` that changed in this batch. */
  status: string | undefined;
  agents: number | undefined;
  /** Set when the batch holds `run.completed`: the run's end, and its final snapshot. */
  endedAt: number | undefined;
  snapshot: string | undefined;
  /** The run's plan (JSON), stored with its creation so that another instance can continue it. */
  plan: string | undefined;
  /**
   * Each agent's latest progress upstream, stored atomically with the events it covers; encoded
   * (JSON) only when sent, so only the last of a tick's reports per agent is.
   */
  progress: Map<string, unknown>;
  events: StoredEvent[];
}

/** A running run without an end gets this expiry: longer than any deadline (1 day) allows. */
const SAFETY_TTL_S = 2 * 86_400;

/** The KEYS and ARGV of one flush. */
export function appendScriptArgs(
  keys: RedisKeys,
  retention: ScriptRetention,
  lease: { owner: string; leaseMs: number },
  batches: readonly RunBatch[],
): { keys: string[]; args: (string | Buffer)[] } {
  const args: (string | Buffer)[] = [
    keys.prefix,
    keys.firehoseChannel,
    String(retention.max_firehose_events),
    String(retention.max_events_per_run),
    String(retention.run_ttl_s),
    String(retention.max_runs),
    String(SAFETY_TTL_S + retention.run_ttl_s),
    lease.owner,
    String(lease.leaseMs),
    String(batches.length),
  ];
  for (const batch of batches) {
    args.push(
      batch.runId,
      batch.panel ?? "",
      batch.createdAt === undefined ? "" : String(batch.createdAt),
      batch.parent ?? "",
      batch.status ?? "",
      batch.agents === undefined ? "" : String(batch.agents),
      batch.endedAt === undefined ? "" : String(batch.endedAt),
      batch.snapshot ?? "",
      batch.plan ?? "",
      String(batch.progress.size),
      String(batch.events.length),
    );
    for (const [agentId, progress] of batch.progress) args.push(agentId, JSON.stringify(progress));
    for (const event of batch.events)
      args.push(String(event.seq), event.type, event.agentId ?? "", event.frame);
  }
  return { keys: [keys.firehose, keys.firehoseHead, keys.runs, keys.leases], args };
}
