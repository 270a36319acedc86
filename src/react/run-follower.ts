import type { FanoutClient, RunEvents, RunHandle } from "../client/client-types.js";
import { FanoutError } from "../client/fanout-error.js";
import type { FollowUpRequest, MessageInput, RunRequest } from "../protocol/run-request.js";
import { recallRun, rememberRun, type CachedRun } from "./run-cache.js";
import { RunThread } from "./run-thread.js";
import { RunViewStore } from "./run-view-store.js";

/** The options of a follow-up (`POST /v1/runs/{id}/follow-ups`): RunOptions without `conversation`. */
export type FollowUpOptions = NonNullable<FollowUpRequest["options"]>;

/**
 * Connects a RunViewStore to the service: starts runs and follow-ups, attaches to runs by id,
 * and reads their events into the store. A follow-up moves the shown run into the thread of
 * earlier runs (its open stream, if any, goes on feeding it there) and shows the new run.
 * Leaving a run (another `send`/`attach`, `detach` on unmount) closes its stream and caches its
 * state for a quick resume; it does not cancel the run: runs started here use
 * `on_disconnect: "continue"` unless the body says otherwise, so only `stop()` cancels.
 */
export class RunFollower {
  /** Every stream being read, and the store it feeds: the shown run's, or an earlier run's. */
  private readonly readers = new Map<AbortController, RunViewStore>();
  /** The runs the shown one follows up, oldest first. */
  readonly thread = new RunThread();

  constructor(
    readonly store: RunViewStore,
    private client: FanoutClient,
  ) {}

  /** Uses another client from now on (the hook's options changed). */
  setClient(client: FanoutClient): void {
    this.client = client;
  }

  /** Starts a run (and a new thread) and follows it; resolves with its id once the service accepted it. */
  async send(body: RunRequest): Promise<string> {
    this.stopReading(this.store);
    this.clearThread();
    const request: RunRequest = { ...body, options: { on_disconnect: "continue", ...body.options } };
    return this.start((signal) => this.client.runs.create(request, { signal }));
  }

  /**
   * Follows up the shown run with `message` and shows the new run; the shown run moves to the
   * end of the thread. If the service refuses the follow-up, the run comes back to the view
   * (with `error` set) and the promise rejects.
   */
  async followUp(message: MessageInput, options: FollowUpOptions = {}): Promise<string> {
    const parentId = this.store.runId;
    if (parentId === undefined) {
      throw new FanoutError("no_run", "There is no run to follow up: send or attach one first.");
    }
    const earlier = new RunViewStore();
    earlier.show(parentId, this.store.saved());
    this.retarget(this.store, earlier);
    this.thread.push(earlier);
    const body: FollowUpRequest = { message, options: { on_disconnect: "continue", ...options } };
    return this.start(
      (signal) => this.client.runs.followUp(parentId, body, { signal }),
      () => {
        this.thread.pop();
        this.store.show(parentId, earlier.saved());
        this.retarget(earlier, this.store);
      },
    );
  }

  /**
   * Shows run `runId` and follows it to its end: from the cached state and cursor when this
   * page followed it before, else from its first event. A cached run that already ended is
   * shown as cached, without a request. Attaching to the run already shown (a remount) keeps
   * its thread; another run gets the thread its cached ancestors make (`parent_run_id`).
   */
  attach(runId: string): void {
    const resuming = runId === this.store.runId;
    this.stopReading(this.store);
    if (!resuming) this.clearThread();
    const cached = recallRun(this.client.baseUrl, runId);
    this.store.show(runId, cached);
    this.follow(this.store, runId, cached);
    if (!resuming) {
      for (const ancestor of this.cachedAncestors(cached)) {
        const earlier = new RunViewStore();
        earlier.show(ancestor.snapshot.run_id, ancestor);
        this.thread.push(earlier);
      }
    }
    for (const earlier of this.thread.stores) {
      const saved = earlier.saved();
      if (saved && !this.isReading(earlier)) this.follow(earlier, saved.snapshot.run_id, saved);
    }
  }

  /** Cancels the shown run, or only `agentIds`; the events that follow show the outcome. */
  async stop(agentIds?: string[]): Promise<void> {
    const runId = this.store.runId;
    if (runId === undefined) return;
    await this.client.runs.cancel(runId, agentIds === undefined ? {} : { agent_ids: agentIds });
  }

  /** Stops reading every run (they go on) and caches what the views have. */
  detach(): void {
    for (const controller of this.readers.keys()) controller.abort();
    this.readers.clear();
    for (const store of [...this.thread.stores, this.store]) this.remember(store);
  }

  /** Requests a run into the shown view; `refused` undoes what the caller did when it fails. */
  private async start(
    open: (signal: AbortSignal) => Promise<RunHandle>,
    refused?: () => void,
  ): Promise<string> {
    const controller = new AbortController();
    this.readers.set(controller, this.store);
    this.store.begin();
    try {
      const handle = await open(controller.signal);
      if (controller.signal.aborted) return handle.runId;
      this.store.show(handle.runId);
      void this.read(handle, controller);
      return handle.runId;
    } catch (error) {
      // Unless another send, attach or detach took the view meanwhile.
      if (this.readers.get(controller) === this.store) {
        this.readers.delete(controller);
        refused?.();
        this.store.fail(asFanoutError(error));
      }
      throw error;
    }
  }

  /** Reads `runId` into `store` after the cached cursor, unless the cached run already ended. */
  private follow(store: RunViewStore, runId: string, cached: CachedRun | undefined): void {
    if (cached && cached.snapshot.status !== "running") return;
    const controller = new AbortController();
    this.readers.set(controller, store);
    const events = this.client.runs.events(runId, { after: cached?.cursor, signal: controller.signal });
    void this.read(events, controller);
  }

  /** Reads events into whichever store `controller` feeds now (a follow-up moves it). */
  private async read(events: RunEvents, controller: AbortController): Promise<void> {
    try {
      for await (const event of events) {
        const store = this.readers.get(controller);
        if (!store?.apply(event, events.lastCursor())) return;
      }
    } catch (error) {
      this.readers.get(controller)?.fail(asFanoutError(error));
    } finally {
      const store = this.readers.get(controller);
      if (store) {
        this.readers.delete(controller);
        store.publish();
        this.remember(store);
      }
    }
  }

  /** The streams feeding `from` feed `to` from now on. */
  private retarget(from: RunViewStore, to: RunViewStore): void {
    for (const [controller, store] of this.readers) if (store === from) this.readers.set(controller, to);
  }

  private isReading(store: RunViewStore): boolean {
    return [...this.readers.values()].includes(store);
  }

  /** Closes the streams feeding `store` and caches what it has. */
  private stopReading(store: RunViewStore): void {
    for (const [controller, fed] of this.readers) {
      if (fed !== store) continue;
      controller.abort();
      this.readers.delete(controller);
    }
    this.remember(store);
  }

  private clearThread(): void {
    for (const store of this.thread.stores) this.stopReading(store);
    this.thread.clear();
  }

  /** The cached runs that `cached` follows up, oldest first, as far as the cache has them. */
  private cachedAncestors(cached: CachedRun | undefined): CachedRun[] {
    const ancestors: CachedRun[] = [];
    const seen = new Set<string>();
    let parentId = cached?.snapshot.parent_run_id;
    while (parentId !== undefined && !seen.has(parentId)) {
      seen.add(parentId);
      const parent = recallRun(this.client.baseUrl, parentId);
      if (!parent) break;
      ancestors.unshift(parent);
      parentId = parent.snapshot.parent_run_id;
    }
    return ancestors;
  }

  private remember(store: RunViewStore): void {
    const saved = store.saved();
    if (saved) rememberRun(this.client.baseUrl, saved.snapshot.run_id, saved);
  }
}

function asFanoutError(error: unknown): FanoutError {
  if (error instanceof FanoutError) return error;
  return new FanoutError("internal", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
