import { EventLog } from "./event-log.js";
import type { FirehoseBatch, StoredEvent } from "./event-store.js";
import { parseFirehoseHead, parseProgress, type RedisKeys, type RunProgress } from "./redis-keys.js";
import { readFirehoseWindow, readRunFromRedis, type FirehoseEvent, type RedisLink } from "./redis-reads.js";

/** The live end of a log written elsewhere, fetched once per announcement for every reader here. */
interface Tail {
  log: EventLog;
  /** The head announced on the channel. */
  known: number;
  ended: boolean;
  fetching: boolean;
  /** Fetch again once the fetch in flight is done (something may have come meanwhile). */
  again: boolean;
}

/** Events of a live end kept per run on each instance (readers further behind read Redis). */
const TAIL_EVENTS = 4_096;

/** The subscriber connection's side of pub/sub, as the store's options give it. */
export interface Subscriptions {
  /** Resolves once Redis confirmed the subscription. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}

/**
 * The live ends of logs this instance reads but does not write: one per run its readers wait
 * on, and one of the firehose. Each follows its own channel while someone here reads it (so an
 * instance never hears of the runs it writes, nor of runs nobody here reads), with one fetch at
 * a time, shared by every reader here: a thousand readers of a run cost one Redis read per write.
 */
export class LiveTails {
  private readonly tails = new Map<string, Tail>();
  /** Runs whose tail is being set up (subscribed, then asked where the log is). */
  private readonly starting = new Map<string, Promise<Tail | undefined>>();
  private firehose: Promise<Tail> | undefined;
  private firehoseSubscribed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly channels: Subscriptions,
    /** An event this instance holds in memory (its own runs first), to spare a read of Redis. */
    private readonly held: (runId: string, seq: number) => StoredEvent | undefined,
    private readonly firehoseHead: () => Promise<number>,
  ) {}

  /** The live end of a run, if this instance follows it. */
  window(runId: string): EventLog | undefined {
    return this.tails.get(runId)?.log;
  }

  /**
   * The firehose after `after` from the live window, when the window covers that cursor (else
   * undefined: read Redis). Holes (events whose run expired before they were fetched) and other
   * panels are skipped, but the cursor moves past them.
   */
  async readFirehose(
    after: number,
    max: number,
    panel: string | undefined,
  ): Promise<FirehoseBatch | undefined> {
    const log = this.firehose && (await this.firehose.catch(() => undefined))?.log;
    if (!log || after < log.oldestCursor || after > log.head) return undefined;
    const window = (log.after(after, max) ?? []) as FirehoseEvent[];
    const last = window.at(-1);
    const events = window.filter((event) => !event.hole && (panel === undefined || event.panel === panel));
    return { events, ended: false, ...(last ? { next: last.global } : {}) };
  }

  async waitRun(runId: string, after: number, signal: AbortSignal): Promise<void> {
    const tail = await this.follow(runId);
    return tail?.log.wait(after, signal);
  }

  async waitFirehose(after: number, signal: AbortSignal): Promise<void> {
    this.firehose ??= this.followFirehose();
    const tail = await this.firehose;
    if (after >= tail.log.head && tail.known > tail.log.head) this.pumpFirehose(tail);
    return tail.log.wait(after, signal);
  }

  /** Stops following a run (this instance writes it now); its readers, woken, read on. */
  drop(runId: string): void {
    const tail = this.tails.get(runId);
    if (!tail) return;
    this.forget(runId);
    tail.log.end();
  }

  /** Forgets the runs nobody here waits on any more. */
  sweep(): void {
    for (const [runId, tail] of this.tails) if (tail.log.waiting === 0) this.forget(runId);
  }

  /** Starts (or reuses) the live end of a run written elsewhere; undefined for an unknown run. */
  private follow(runId: string): Promise<Tail | undefined> {
    const existing = this.tails.get(runId);
    if (existing) return Promise.resolve(existing);
    let starting = this.starting.get(runId);
    if (!starting) {
      starting = this.start(runId).finally(() => this.starting.delete(runId));
      this.starting.set(runId, starting);
    }
    return starting;
  }

  private async start(runId: string): Promise<Tail | undefined> {
    const { keys, link } = this;
    const channel = keys.runChannel(runId);
    // Listen first, then ask where the log is: what is announced later is heard, what was
    // written before is in the answer, and the fetch below covers what came in between.
    await this.channels.subscribe(channel, (message) => {
      const progress = parseProgress(message);
      if (progress) this.announced(runId, progress);
    });
    let meta: (string | null)[];
    try {
      meta = (await link.send(["HMGET", keys.runMeta(runId), "last_seq", "ended_at"])) as (string | null)[];
    } catch (error) {
      this.unsubscribe(channel);
      throw error;
    }
    if (meta[0] === null || meta[0] === undefined) {
      this.unsubscribe(channel);
      return undefined;
    }
    const head = Number(meta[0]);
    const ended = meta[1] !== null;
    const tail: Tail = {
      log: new EventLog(TAIL_EVENTS, head),
      known: head,
      ended,
      fetching: false,
      again: !ended,
    };
    if (ended) tail.log.end();
    this.tails.set(runId, tail);
    this.pumpRun(runId, tail);
    return tail;
  }

  /** A flush of a run followed here was announced on its channel. */
  private announced(runId: string, progress: RunProgress): void {
    const tail = this.tails.get(runId);
    if (!tail) return; // still starting: its first fetch reads past the head it was told
    tail.known = Math.max(tail.known, progress.lastSeq);
    tail.ended ||= progress.ended;
    this.pumpRun(runId, tail);
  }

  /** The firehose's live end, following its channel from before the head it starts at. */
  private async followFirehose(): Promise<Tail> {
    try {
      if (!this.firehoseSubscribed) {
        await this.channels.subscribe(this.keys.firehoseChannel, (message) => {
          const head = parseFirehoseHead(message);
          if (head === undefined) return;
          this.firehose?.then(
            (tail) => {
              tail.known = Math.max(tail.known, head);
              this.pumpFirehose(tail);
            },
            () => undefined,
          );
        });
        this.firehoseSubscribed = true;
      }
      const head = await this.firehoseHead();
      return {
        log: new EventLog(TAIL_EVENTS, head),
        known: head,
        ended: false,
        fetching: false,
        again: false,
      };
    } catch (error) {
      // Redis away: the next reader tries again (the subscription, if made, is kept and reused).
      this.firehose = undefined;
      throw error;
    }
  }

  private forget(runId: string): void {
    this.tails.delete(runId);
    this.unsubscribe(this.keys.runChannel(runId));
  }

  private unsubscribe(channel: string): void {
    // Redis away: the subscription lapses with the connection anyway.
    this.channels.unsubscribe(channel).catch(() => undefined);
  }

  /** Fetches what was announced past the tail's head, one fetch at a time, for all readers here. */
  private pumpRun(runId: string, tail: Tail): void {
    if (tail.fetching) {
      tail.again = true;
      return;
    }
    if (tail.log.ended || (!tail.again && !tail.ended && tail.known <= tail.log.head)) return;
    tail.again = false;
    tail.fetching = true;
    readRunFromRedis(this.link, this.keys, runId, tail.log.head, TAIL_EVENTS)
      .then((batch) => {
        for (const event of batch.events) tail.log.push(event);
        if (batch.ended) tail.log.end();
        // Nothing more to have: what was announced is here (or was a stale announcement).
        else if (batch.events.length === 0) tail.known = tail.log.head;
      })
      .catch(() => {
        // Redis away, or the log expired or was trimmed past this head: forget the tail, so
        // that its readers, woken now, read Redis themselves and meet the error there.
        if (this.tails.get(runId) === tail) this.forget(runId);
        tail.fetching = false;
        tail.log.end();
      })
      .finally(() => {
        if (!tail.fetching) return;
        tail.fetching = false;
        if (tail.again || tail.known > tail.log.head || (tail.ended && !tail.log.ended))
          this.pumpRun(runId, tail);
      });
  }

  private pumpFirehose(tail: Tail): void {
    if (tail.fetching) {
      tail.again = true;
      return;
    }
    if (!tail.again && tail.known <= tail.log.head) return;
    tail.again = false;
    tail.fetching = true;
    const after = tail.log.head;
    readFirehoseWindow(this.link, this.keys, after, TAIL_EVENTS, (runId, seq) => this.held(runId, seq))
      .then((events) => {
        for (const event of events) tail.log.push(event);
        if (events.length === 0) tail.known = tail.log.head;
      })
      .catch(() => {
        // Trimmed past this window (or Redis away): start the window over at the announced head;
        // readers behind it read Redis themselves and meet the error there.
        const old = tail.log;
        tail.log = new EventLog(TAIL_EVENTS, Math.max(tail.known, old.head));
        old.end();
      })
      .finally(() => {
        tail.fetching = false;
        if (tail.again || tail.known > tail.log.head) this.pumpFirehose(tail);
      });
  }

  /** An event held in memory here: a run's own tail, or what the instance holds of it. */
  event(runId: string, seq: number): StoredEvent | undefined {
    return this.tails.get(runId)?.log.after(seq - 1, 1)?.[0];
  }
}
