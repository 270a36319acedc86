import { AppError, notFound, toAppError } from "../errors.js";
import type { WsClientFrame, WsErrorFrame, WsServerFrame } from "../protocol/ws-frames.js";
import { planRun, type PlannedRun } from "../runs/plan-run.js";
import type { ActiveRun } from "../runs/run-service.js";
import { CursorExpired } from "../store/event-store.js";
import type { AppDeps } from "./app-deps.js";
import { cancelRun } from "./cancel-run.js";
import { readWsFrame } from "./read-ws-frame.js";
import type { RunRateLimiter } from "./run-rate-limiter.js";
import { streamRunToWs } from "./stream-run-to-ws.js";
import type { WsSocket } from "./ws-socket.js";

/** Who is on the other end, for `limits.max_runs_per_minute` (shared by the client's sockets). */
export interface WsClient {
  key: string;
  limiter: RunRateLimiter;
}

/**
 * One WebSocket connection of `GET /v1/ws`: answers each client frame (runs to create and
 * cancel, runs to subscribe to), multiplexes the subscribed runs' events onto the socket, each
 * read from the run log at its own pace, and owns the runs it created: when the socket closes,
 * those still running follow their `on_disconnect` (`cancel` cancels them upstream, `continue`
 * lets them finish). Frames are handled concurrently; answers carry the frame's `request_id`.
 * A bad frame gets an error frame and the socket stays open.
 */
export class WsSession {
  private readonly subscriptions = new Map<string, AbortController>();
  private readonly owned = new Map<string, { active: ActiveRun; cancelOnDisconnect: boolean }>();

  constructor(
    private readonly socket: WsSocket,
    private readonly deps: AppDeps,
    private readonly client: WsClient,
  ) {}

  /**
   * One message from the client: text (a JSON frame) or binary (refused). Returns the handling
   * of a valid frame, which settles once it has been answered (WsSocket bounds how many run).
   */
  receive(data: unknown): Promise<void> | undefined {
    const result = readWsFrame(data, this.deps.config.limits.max_body_bytes);
    if (!result.ok) {
      this.sendError(result.error, result.requestId);
      return undefined;
    }
    const { frame } = result;
    return this.handle(frame).catch((error: unknown) => {
      if (this.socket.closed) return;
      const appError = toAppError(error);
      if (appError.code === "internal") this.deps.log(`WebSocket ${frame.type} failed`, error);
      this.sendError(appError, frame.request_id, "run_id" in frame ? frame.run_id : undefined);
    });
  }

  /** The socket closed: stop every subscription and apply `on_disconnect` to the runs it owns. */
  closed(): void {
    for (const controller of this.subscriptions.values()) controller.abort();
    this.subscriptions.clear();
    for (const [runId, { active, cancelOnDisconnect }] of this.owned) {
      if (cancelOnDisconnect && this.deps.runs.get(runId)) active.run.cancel();
    }
    this.owned.clear();
  }

  private async handle(frame: WsClientFrame): Promise<void> {
    const ids = frame.request_id === undefined ? {} : { request_id: frame.request_id };
    switch (frame.type) {
      case "run.create":
        return this.create(frame.body, ids);
      case "run.cancel": {
        const outcome = await cancelRun(this.deps, frame.run_id, frame.agent_ids);
        const agents = frame.agent_ids === undefined ? {} : { agent_ids: frame.agent_ids };
        this.socket.send({
          type: "run.cancelled",
          run_id: frame.run_id,
          status: outcome.status,
          ...agents,
          ...ids,
        });
        return;
      }
      case "subscribe":
        return this.subscribe(frame.run_id, frame.after ?? 0, ids);
      case "unsubscribe":
        this.subscriptions.get(frame.run_id)?.abort();
        this.subscriptions.delete(frame.run_id);
        this.socket.send({ type: "unsubscribed", run_id: frame.run_id, ...ids });
        return;
      case "ping":
        this.socket.send({ type: "pong", ...ids });
        return;
    }
  }

  /** `run.create`: plan and start the run (as POST /v1/runs), acknowledge it, then stream it. */
  private async create(body: Record<string, unknown>, ids: { request_id?: string }): Promise<void> {
    // Only a run that starts spends the client's budget (README, limits.max_runs_per_minute).
    const slot = this.client.limiter.reserve(this.client.key);
    let planned: PlannedRun;
    let active: ActiveRun;
    try {
      planned = await planRun(body, undefined, this.deps.config, this.deps.resolveTags, this.socket.signal);
      // A socket that left while the run was planned would own a run nobody reads: don't start it.
      if (this.socket.closed) return;
      this.deps.ws.assertRoom();
      // No backpressure gate (unpaced): see README "Decisions", WebSocket runs.
      active = this.deps.runs.start(planned);
      slot.commit();
    } finally {
      slot.release();
    }
    const { runId } = active;
    this.owned.set(runId, { active, cancelOnDisconnect: planned.plan.options.on_disconnect === "cancel" });
    // The run id may go to another instance at once (Redis): announce it once any can read it.
    await this.deps.store.persisted(runId, 5_000);
    void active.done.then(() => this.owned.delete(runId));
    const agents = planned.plan.agents.map((agent) => agent.agentId);
    this.follow(runId, 0, { type: "run.created", run_id: runId, status: "running", agents, ...ids });
  }

  /** `subscribe`: checks the run and the cursor, then (re)starts this socket's reader of the run. */
  private async subscribe(runId: string, after: number, ids: { request_id?: string }): Promise<void> {
    if (!(await this.deps.store.hasRun(runId))) {
      throw notFound(`No run ${runId} (it never existed, or passed retention).`);
    }
    try {
      await this.deps.store.readRun(runId, after, 0);
    } catch (error) {
      if (!(error instanceof CursorExpired)) throw error;
      throw new AppError("cursor_expired", error.message, 410, {
        details: [{ path: "after", message: `the oldest cursor kept is ${error.oldestCursor}` }],
      });
    }
    if (this.socket.closed) return;
    if (!this.subscriptions.has(runId)) this.deps.ws.assertRoom();
    this.follow(runId, after, { type: "subscribed", run_id: runId, after: String(after), ...ids });
  }

  /**
   * Sends `ack`, then the run's events after `after`. A subscription to the same run replaces
   * the previous one: the ack marks the point after which only the new one's events come.
   */
  private follow(runId: string, after: number, ack: WsServerFrame): void {
    this.subscriptions.get(runId)?.abort();
    const controller = new AbortController();
    this.subscriptions.set(runId, controller);
    const release = this.deps.ws.addReader();
    this.socket.send(ack);
    streamRunToWs(this.socket, this.deps.store, runId, after, controller.signal)
      .catch((error: unknown) => {
        if (error instanceof CursorExpired) {
          this.socket.send({ type: "error", code: "cursor_expired", message: error.message, run_id: runId });
        } else {
          this.deps.log(`WebSocket subscription to ${runId} failed`, error);
          this.sendError(toAppError(error), undefined, runId);
        }
      })
      .finally(() => {
        if (this.subscriptions.get(runId) === controller) this.subscriptions.delete(runId);
        release();
      });
  }

  private sendError(error: AppError, requestId: string | undefined, runId?: string): void {
    const frame: WsErrorFrame = { type: "error", code: error.code, message: error.message };
    if (error.extra.details) frame.details = error.extra.details;
    if (requestId !== undefined) frame.request_id = requestId;
    if (runId !== undefined) frame.run_id = runId;
    if (error.extra.retryAfterSeconds !== undefined) frame.retry_after_s = error.extra.retryAfterSeconds;
    this.socket.send(frame);
  }
}
