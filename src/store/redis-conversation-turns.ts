import { abortableSleep } from "../core/abortable-sleep.js";
import type { ConversationKey, ConversationTurns } from "../core/conversation-turns.js";
import type { RedisKeys } from "./redis-keys.js";
import { runScript } from "./redis-script.js";

/**
 * Joins the line of a conversation (or keeps the place the holder has) and says where the holder
 * stands: 0 = its turn. The line is a sorted set of run ids by the Redis time (µs) they joined.
 * Runs ahead that cannot write any more leave the line: ended, or gone from Redis for longer than
 * a new run takes to reach it (its creation is written a moment after it joins). A run whose
 * instance died stays: another instance takes it over and keeps its place (API.md §6).
 * ARGV: prefix, line key, holder, line TTL ms, grace ms for a run not written yet.
 */
const TAKE_SCRIPT = `
local prefix, line, holder, ttl, grace = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
if not redis.call('ZSCORE', line, holder) then redis.call('ZADD', line, now, holder) end
local members = redis.call('ZRANGE', line, 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local other, joined = members[i], tonumber(members[i + 1])
  if other == holder then break end
  local meta = prefix .. 'run:' .. other .. ':meta'
  local ended = redis.call('HEXISTS', meta, 'ended_at') == 1
  local missing = redis.call('EXISTS', meta) == 0 and now - joined > grace * 1000
  if ended or missing then redis.call('ZREM', line, other) end
end
redis.call('PEXPIRE', line, ttl)
return redis.call('ZRANK', line, holder)
`;

/** Leaves the line (the turn is over, or the wait was given up). ARGV: line key, holder. */
const LEAVE_SCRIPT = `
redis.call('ZREM', ARGV[1], ARGV[2])
if redis.call('ZCARD', ARGV[1]) == 0 then redis.call('DEL', ARGV[1]) end
return 1
`;

/** How often a waiting run asks whether its turn has come. */
const POLL_MS = 200;
/** A line outlives its last join by the longest deadline a run can have (API.md §1), then expires. */
const LINE_TTL_MS = 86_400_000;
/** How long a run in line may be missing from Redis before it counts as gone (its creation is on the way). */
const NOT_WRITTEN_GRACE_MS = 30_000;

type Send = (args: string[]) => Promise<unknown>;

/**
 * One writer per Letta conversation across every instance on one Redis (API.md §1
 * `conversation`): a line per (agent, conversation), `{p}conversation:{agent}:{conversation}`,
 * of the runs that want it, in order of arrival; the first may write. Waiters ask again every
 * {@link POLL_MS} ms (a turn lasts as long as an agent answers, seconds, so a poll costs little and
 * needs no subscription). The line is kept in Redis, so a run taken over by another instance keeps
 * its turn, and one whose run ended without giving it back loses it.
 */
export class RedisConversationTurns implements ConversationTurns {
  constructor(
    private readonly send: Send,
    private readonly keys: RedisKeys,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  async take(
    conversation: ConversationKey,
    holder: string,
    signal: AbortSignal,
    onQueued: (position: number) => void,
  ): Promise<() => void> {
    const line = `${this.keys.prefix}conversation:${conversation.agentId}:${conversation.conversationId}`;
    const leave = () =>
      runScript(this.send, LEAVE_SCRIPT, [line, holder]).catch((error: unknown) =>
        // The run's end (ended_at) frees the turn for the next one anyway.
        this.log(`run ${holder} could not give back its turn of ${line}`, error),
      );
    let told = false;
    for (;;) {
      if (signal.aborted) {
        void leave();
        throw signal.reason as Error;
      }
      let rank: number | undefined;
      try {
        rank = Number(
          await runScript(this.send, TAKE_SCRIPT, [
            this.keys.prefix,
            line,
            holder,
            String(LINE_TTL_MS),
            String(NOT_WRITTEN_GRACE_MS),
          ]),
        );
      } catch (error) {
        this.log(`run ${holder} could not ask Redis for its turn of ${line}; asking again`, error);
      }
      // The signal may have aborted during the await above; TS narrowing cannot see that.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (rank === 0 && !signal.aborted) return () => void leave();
      if (rank !== undefined && rank > 0 && !told) {
        told = true;
        onQueued(rank);
      }
      await abortableSleep(POLL_MS, signal);
    }
  }
}
