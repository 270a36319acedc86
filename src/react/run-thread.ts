import type { RunView } from "./run-view.js";
import type { RunViewStore } from "./run-view-store.js";

/**
 * The earlier runs of a thread of follow-ups, oldest first: the run the shown one follows up,
 * the run that one follows up, and so on. Each has its own RunViewStore, so a run still
 * streaming when it was followed up goes on filling its entry. `getViews` returns one array of
 * their views, a new array only when one of them changed, so it fits `useSyncExternalStore`.
 */
export class RunThread {
  private entries: { store: RunViewStore; unsubscribe: () => void }[] = [];
  private views: readonly RunView[] = [];
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getViews = (): readonly RunView[] => this.views;

  /** The stores of the earlier runs, oldest first. */
  get stores(): RunViewStore[] {
    return this.entries.map((entry) => entry.store);
  }

  /** Adds the newest earlier run (the one the shown run follows up). */
  push(store: RunViewStore): void {
    this.entries.push({ store, unsubscribe: store.subscribe(this.refresh) });
    this.refresh();
  }

  /** Takes the newest earlier run out again (a follow-up the service refused gives it back). */
  pop(): RunViewStore | undefined {
    const entry = this.entries.pop();
    entry?.unsubscribe();
    this.refresh();
    return entry?.store;
  }

  /** Forgets every earlier run (a new thread starts). */
  clear(): void {
    if (this.entries.length === 0) return;
    for (const entry of this.entries) entry.unsubscribe();
    this.entries = [];
    this.refresh();
  }

  private readonly refresh = (): void => {
    this.views = this.entries.map((entry) => entry.store.getView());
    for (const listener of this.listeners) listener();
  };
}
