import type { LogWatch, StoredEvent } from "./event-store.js";

/**
 * An append-only list of events with a cap: past `max` events the oldest are dropped (in
 * chunks, so dropping stays cheap), and readers learn whether their cursor is still covered.
 * Positions start after `base` (the first event is `base + 1`) and are never reused; `dropped`
 * of them are gone.
 */
export class EventLog implements LogWatch {
  private items: StoredEvent[] = [];
  private dropped = 0;
  private readonly waiters = new Set<() => void>();
  private notifyScheduled = false;
  ended = false;

  constructor(
    private readonly max: number,
    private readonly base = 0,
  ) {}

  /** Position of the last event (`base` while there is none). */
  get head(): number {
    return this.base + this.dropped + this.items.length;
  }

  /** Readers waiting for more. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** The oldest cursor from which reading still loses nothing. */
  get oldestCursor(): number {
    return this.base + this.dropped;
  }

  push(event: StoredEvent): void {
    this.items.push(event);
    if (this.items.length > this.max + Math.max(1, this.max >> 3)) {
      const excess = this.items.length - this.max;
      this.items.splice(0, excess);
      this.dropped += excess;
    }
    this.wake();
  }

  /**
   * Events after position `after` (at most `max`), or undefined when `after` is not a position
   * of this log to read from: some events after it were dropped, or it lies beyond the head (this
   * log never issued it).
   */
  after(after: number, max: number): StoredEvent[] | undefined {
    if (after < this.oldestCursor || after > this.head) return undefined;
    const start = after - this.oldestCursor;
    return this.items.slice(start, start + max);
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves once there is an event after `after`, the log ended, or `signal` aborted. */
  wait(after: number, signal: AbortSignal): Promise<void> {
    if (this.head > after || this.ended || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * `wait` without a promise or a signal: `wake` is one entry in the waiters until it is called
   * (once) or taken back with {@link unwatch}, so an idle reader costs no more than that. When
   * there is already an event after `after`, or the log ended, it is called in a microtask.
   */
  watch(after: number, wake: () => void): void {
    if (this.head > after || this.ended) queueMicrotask(wake);
    else this.waiters.add(wake);
  }

  unwatch(wake: () => void): void {
    this.waiters.delete(wake);
  }

  /**
   * Wakes readers on the next turn of the event loop, not per event: everything appended in
   * the meantime then goes out in one write per reader (API.md §3 "events that are ready
   * together may share one write").
   */
  private wake(): void {
    if (this.notifyScheduled || this.waiters.size === 0) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      // Each waiter is called once: `watch` entries are not removed by their callee.
      const waiters = [...this.waiters];
      this.waiters.clear();
      for (const waiter of waiters) waiter();
    });
  }
}
