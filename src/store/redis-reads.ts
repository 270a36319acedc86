import { CursorExpired, type FirehoseBatch, type ReadBatch, type StoredEvent } from "./event-store.js";
import { LoggedEvent } from "./logged-event.js";
import type { RedisKeys } from "./redis-keys.js";

/**
 * The Redis calls reads need. `send` answers blob strings as strings, `sendBuffers` as Buffers
 * (frames stay bytes from the socket to the reader). Calls made in the same tick share one round
 * trip (node-redis pipelines them).
 */
export interface RedisLink {
  send(args: string[]): Promise<unknown>;
  sendBuffers(args: string[]): Promise<unknown>;
}

/**
 * A firehose event: the run's own event under its firehose position, with its run's panel. A
 * `hole` stands for a position whose run expired before its frame was read: it keeps a window of
 * positions contiguous and is never sent.
 */
export class FirehoseEvent extends LoggedEvent {
  constructor(
    event: StoredEvent,
    global: number,
    readonly panel: string,
    readonly hole = false,
  ) {
    super(event.seq, event.type, event.agentId, event.runId, global, event.frame);
  }
}

type StreamEntry = [Buffer | string, (Buffer | string)[]];

/** `0-<n>` → n. */
function entryNumber(id: Buffer | string): number {
  const text = id.toString();
  return Number(text.slice(text.indexOf("-") + 1));
}

/** Parses XRANGE entries of a run log into events. */
export function parseRunEntries(runId: string, entries: unknown): LoggedEvent[] {
  return (entries as StreamEntry[]).map(([id, fields]) => {
    let type = "";
    let agentId: string | undefined;
    let frame: Buffer = Buffer.alloc(0);
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const key = fields[index]?.toString();
      const value = fields[index + 1] ?? "";
      if (key === "t") type = value.toString();
      else if (key === "a") agentId = value.length > 0 ? value.toString() : undefined;
      else if (key === "f") frame = Buffer.isBuffer(value) ? value : Buffer.from(value);
    }
    return new LoggedEvent(entryNumber(id), type, agentId, runId, 0, frame);
  });
}

/** The cursor before a stream's oldest entry, or `head` when the stream is empty. */
function oldestCursor(first: unknown, head: number): number {
  const entry = (first as StreamEntry[])[0];
  return entry ? entryNumber(entry[0]) - 1 : head;
}

/** `readRun` from Redis: for runs of other instances, and cursors older than a local window. */
export async function readRunFromRedis(
  link: RedisLink,
  keys: RedisKeys,
  runId: string,
  after: number,
  max: number,
): Promise<ReadBatch> {
  const log = keys.runLog(runId);
  const [entries, meta, first] = await Promise.all([
    max > 0 ? link.sendBuffers(["XRANGE", log, `(0-${after}`, "+", "COUNT", String(max)]) : [],
    link.send(["HMGET", keys.runMeta(runId), "last_seq", "ended_at"]),
    link.send(["XRANGE", log, "-", "+", "COUNT", "1"]),
  ]);
  const [lastSeq, endedAt] = meta as (string | null)[];
  if (lastSeq === null || lastSeq === undefined) {
    // A reader that followed the run meets this when its log vanished under it (retention, or a
    // Redis that lost its data): it ends with this message instead of waiting for nothing.
    throw new CursorExpired(
      "0",
      `Run ${runId} is no longer in the event store (it passed retention, or the store lost it); nothing more can be read from it.`,
    );
  }
  const head = Number(lastSeq);
  const ended = endedAt !== null && endedAt !== undefined;
  if (ended && after >= head) return { events: [], ended: true };
  const oldest = oldestCursor(first, head);
  if (after > head) throw CursorExpired.notIssued(String(oldest));
  if (after < oldest) throw new CursorExpired(String(oldest));
  // Events past `head` are in the stream but not yet announced; a reader gets them with the rest.
  const events = parseRunEntries(runId, entries).filter((event) => event.seq <= head);
  return { events, ended: ended && (events.at(-1)?.seq ?? after) >= head };
}

/** A firehose reference: which event of which run holds a position. */
interface FirehoseRef {
  position: number;
  runId: string;
  seq: number;
  panel: string;
}

/**
 * `readFirehose` from Redis: the references after `after`, then their frames from the run logs
 * (`local` first: events this instance holds), in one more round trip. Events whose run has
 * expired meanwhile are skipped (`next` moves the cursor past them).
 */
export async function readFirehoseFromRedis(
  link: RedisLink,
  keys: RedisKeys,
  after: number,
  max: number,
  panel: string | undefined,
  local: (runId: string, seq: number) => StoredEvent | undefined,
): Promise<FirehoseBatch> {
  const refs = await readFirehoseRefs(link, keys, after, max);
  const last = refs.at(-1);
  const wanted = panel === undefined ? refs : refs.filter((ref) => ref.panel === panel);
  const events = (await resolveFrames(link, keys, wanted, local)).filter((event) => !event.hole);
  return { events, ended: false, ...(last ? { next: last.position } : {}) };
}

/** Every position after `after` (at most `max`) as an event, holes included: a live window's fill. */
export async function readFirehoseWindow(
  link: RedisLink,
  keys: RedisKeys,
  after: number,
  max: number,
  local: (runId: string, seq: number) => StoredEvent | undefined,
): Promise<FirehoseEvent[]> {
  const refs = await readFirehoseRefs(link, keys, after, max);
  if (refs.length > 0 && refs[0]?.position !== after + 1) throw new CursorExpired(String(after));
  return resolveFrames(link, keys, refs, local);
}

/** The firehose references after `after`; CursorExpired where the stream cannot answer from it. */
async function readFirehoseRefs(
  link: RedisLink,
  keys: RedisKeys,
  after: number,
  max: number,
): Promise<FirehoseRef[]> {
  const [entries, headText, first] = await Promise.all([
    max > 0 ? link.send(["XRANGE", keys.firehose, `(0-${after}`, "+", "COUNT", String(max)]) : [],
    link.send(["GET", keys.firehoseHead]),
    link.send(["XRANGE", keys.firehose, "-", "+", "COUNT", "1"]),
  ]);
  const head = headText === null ? 0 : Number(headText);
  const oldest = oldestCursor(first, head);
  if (after > head) throw CursorExpired.notIssued(String(oldest));
  if (after < oldest) throw new CursorExpired(String(oldest));
  return (entries as StreamEntry[]).map(([id, fields]): FirehoseRef => {
    const values = fields.map(String);
    return {
      position: entryNumber(id),
      runId: values[1] ?? "",
      seq: Number(values[3]),
      panel: values[5] ?? "",
    };
  });
}

/** The events the references name, in their order; a hole where a run's log no longer has one. */
async function resolveFrames(
  link: RedisLink,
  keys: RedisKeys,
  refs: readonly FirehoseRef[],
  local: (runId: string, seq: number) => StoredEvent | undefined,
): Promise<FirehoseEvent[]> {
  const found = new Map<string, StoredEvent>();
  const missing = new Map<string, { from: number; to: number }>();
  for (const ref of refs) {
    const event = local(ref.runId, ref.seq);
    if (event) {
      found.set(`${ref.runId} ${ref.seq}`, event);
      continue;
    }
    const range = missing.get(ref.runId);
    if (!range) missing.set(ref.runId, { from: ref.seq, to: ref.seq });
    else {
      range.from = Math.min(range.from, ref.seq);
      range.to = Math.max(range.to, ref.seq);
    }
  }
  await Promise.all(
    [...missing].map(async ([runId, { from, to }]) => {
      const entries = await link.sendBuffers(["XRANGE", keys.runLog(runId), `0-${from}`, `0-${to}`]);
      for (const event of parseRunEntries(runId, entries)) found.set(`${runId} ${event.seq}`, event);
    }),
  );
  return refs.map((ref) => {
    const event = found.get(`${ref.runId} ${ref.seq}`);
    if (event) return new FirehoseEvent(event, ref.position, ref.panel);
    const hole = new LoggedEvent(ref.seq, "", undefined, ref.runId, ref.position, Buffer.alloc(0));
    return new FirehoseEvent(hole, ref.position, ref.panel, true);
  });
}
