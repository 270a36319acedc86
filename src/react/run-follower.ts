import type { FanoutClient, RunEvents } from "../client/client-types.js";
import { FanoutError } from "../client/fanout-error.js";
import type { RunRequest } from "../protocol/run-request.js";
import { recallRun, rememberRun } from "./run-cache.js";
import type { RunViewStore } from "./run-view-store.js";

/**
 * Connects a RunViewStore to the service: starts runs, attaches to runs by id, and reads their
 * events into the store, one run at a time. Leaving a run (another `send`/`attach`, `detach`
 * on unmount) closes its stream and caches its state for a quick resume; it does not cancel
 * the run: runs started here use `on_disconnect: "continue"` unless the body says otherwise,
 * so only `stop()` cancels.
 */
export class RunFollower {
  private following: AbortController | undefined;

  constructor(
    readonly store: RunViewStore,
    private client: FanoutClient,
  ) {}

  /** Uses another client from now on (the hook's options changed). */
  setClient(client: FanoutClient): void {
    this.client = client;
  }

  /** Starts a run and follows it; resolves with its id once the service accepted it. */
  async send(body: RunRequest): Promise<string> {
    this.detach();
    const controller = new AbortController();
    this.following = controller;
    this.store.begin();
    const request: RunRequest = { ...body, options: { on_disconnect: "continue", ...body.options } };
    try {
      const handle = await this.client.runs.create(request, { signal: controller.signal });
      if (controller.signal.aborted) return handle.runId;
      this.store.show(handle.runId);
      void this.read(handle, controller);
      return handle.runId;
    } catch (error) {
      if (this.following === controller) {
        this.following = undefined;
        this.store.fail(asFanoutError(error));
      }
      throw error;
    }
  }

  /**
   * Shows run `runId` and follows it to its end: from the cached state and cursor when this
   * page followed it before, else from its first event. A cached run that already ended is
   * shown as cached, without a request.
   */
  attach(runId: string): void {
    this.detach();
    const cached = recallRun(this.client.baseUrl, runId);
    this.store.show(runId, cached);
    if (cached && cached.snapshot.status !== "running") return;
    const controller = new AbortController();
    this.following = controller;
    const events = this.client.runs.events(runId, { after: cached?.cursor, signal: controller.signal });
    void this.read(events, controller);
  }

  /** Cancels the run, or only `agentIds`; the events that follow show the outcome. */
  async stop(agentIds?: string[]): Promise<void> {
    const runId = this.store.runId;
    if (runId === undefined) return;
    await this.client.runs.cancel(runId, agentIds === undefined ? {} : { agent_ids: agentIds });
  }

  /** Stops reading (the run goes on) and caches what the view has. */
  detach(): void {
    this.following?.abort();
    this.following = undefined;
    this.remember();
  }

  private async read(events: RunEvents, controller: AbortController): Promise<void> {
    try {
      for await (const event of events) {
        if (this.following !== controller) return;
        if (!this.store.apply(event, events.lastCursor())) return;
      }
    } catch (error) {
      if (this.following === controller) this.store.fail(asFanoutError(error));
    } finally {
      if (this.following === controller) {
        this.following = undefined;
        this.store.publish();
        this.remember();
      }
    }
  }

  private remember(): void {
    const saved = this.store.saved();
    if (saved) rememberRun(this.client.baseUrl, saved.snapshot.run_id, saved);
  }
}

function asFanoutError(error: unknown): FanoutError {
  if (error instanceof FanoutError) return error;
  return new FanoutError("internal", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
