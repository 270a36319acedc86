import { Hono, type Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { notFound, validationError } from "../errors.js";
import { CancelRequest } from "../protocol/run-request.js";
import { zodDetails } from "../protocol/zod-details.js";
import { planFollowUp } from "../runs/plan-follow-up.js";
import { planRun, type PlannedRun } from "../runs/plan-run.js";
import type { ActiveRun } from "../runs/run-service.js";
import type { StoredEvent } from "../store/event-store.js";
import type { AppDeps } from "./app-deps.js";
import { cancelRun } from "./cancel-run.js";
import { clientKey } from "./client-key.js";
import { readCursor } from "./cursor.js";
import { readJsonBody } from "./read-json-body.js";
import { runLogReader } from "./log-readers.js";
import { pipeLog, serveLog } from "./pipe-log.js";

/** How long a new run's answer waits for the store to hold it (an unreachable Redis). */
const PERSIST_WAIT_MS = 5_000;

/** `/v1/runs` and `/v1/panels/{name}/runs` (API.md §1 and §2). */
export function runRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  const plan = (panel: string | undefined) => (c: Context, body: unknown) =>
    planRun(body, panel, deps.config, deps.resolveTags, c.req.raw.signal);
  app.post("/runs", (c) => createRun(c, plan(undefined)));
  app.post("/panels/:name/runs", (c) => createRun(c, plan(c.req.param("name"))));
  app.post("/runs/:id/follow-ups", (c) =>
    createRun(c, (_, body) => planFollowUp(c.req.param("id"), body, deps.store)),
  );

  /** Starts a run (a new one or a follow-up) and answers as API.md §1 says, by `Accept`. */
  async function createRun(c: Context, planner: (c: Context, body: unknown) => Promise<PlannedRun>) {
    // Refused before the body is read; only a run that starts spends the budget (README).
    const slot = deps.runLimiter.reserve(clientKey(c));
    const wantsStream = (c.req.header("accept") ?? "").includes("text/event-stream");
    let planned: PlannedRun;
    let active: ActiveRun;
    try {
      const body = await readJsonBody(c, deps.config.limits.max_body_bytes);
      planned = await planner(c, body);
      if (wantsStream) deps.hub.ensureRoom();
      active = deps.runs.start(planned, { paced: wantsStream });
      slot.commit();
    } finally {
      slot.release();
    }
    // The agents' requests go out first: they are on their way in this turn of the event loop
    // (the SDK builds and sends them in microtasks), the answer's headers in the next. Time to
    // the first event is upstream's answer time, so the answer is made while upstream works.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // A client may take the run id to another instance at once (Redis): answer once it can.
    await deps.store.persisted(active.runId, PERSIST_WAIT_MS);
    const agents = planned.plan.agents.map((agent) => agent.agentId);
    if (!wantsStream) {
      return c.json(
        { run_id: active.runId, status: "running", agents, events_url: `/v1/runs/${active.runId}/events` },
        202,
      );
    }
    streamOwnRun(c, active, planned.plan.options.on_disconnect);
    return RESPONSE_ALREADY_SENT;
  }

  /** The run's own stream: the pacing reader whose socket backpressure holds agents back. */
  function streamOwnRun(c: Context, active: ActiveRun, onDisconnect: string) {
    const sse = deps.hub.start(c, { "x-run-id": active.runId });
    const { gate } = active.run;
    const delivered = (events: readonly StoredEvent[]) => {
      for (const event of events) if (event.agentId !== undefined) gate.delivered(event.agentId);
    };
    void pipeLog(sse, runLogReader(deps.store, active.runId), 0, deps.log, delivered).finally(() => {
      if (deps.runs.get(active.runId) && onDisconnect === "cancel") {
        // The client left before run.completed (API.md §1 on_disconnect).
        active.run.cancel();
      }
      gate.detach();
    });
  }

  app.get("/runs", async (c) => {
    const limitText = c.req.query("limit") ?? "20";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw validationError([{ path: "limit", message: "must be a whole number from 1 to 100" }]);
    }
    const after = c.req.query("after");
    const runs = await deps.store.listRuns(limit, after);
    // A run the store does not hold would list from the newest, as if the client started over.
    // Asked after listing, so a run that expired in between is refused too, never paged past.
    if (after !== undefined && !(await deps.store.hasRun(after))) {
      throw validationError([
        {
          path: "after",
          message: `no run ${after} (it never existed, or passed retention): list again without after`,
        },
      ]);
    }
    const last = runs.at(-1);
    return c.json({ runs, next_after: runs.length === limit && last ? last.run_id : null });
  });

  app.get("/runs/:id", async (c) => {
    const snapshot = await deps.store.snapshot(c.req.param("id"));
    if (!snapshot) throw notFound(`No run ${c.req.param("id")} (it never existed, or passed retention).`);
    return c.json(snapshot);
  });

  app.get("/runs/:id/events", async (c) => {
    const runId = c.req.param("id");
    const after = readCursor(c) ?? 0;
    if (!(await deps.store.hasRun(runId)))
      throw notFound(`No run ${runId} (it never existed, or passed retention).`);
    return serveLog(c, deps.hub, runLogReader(deps.store, runId), after, deps.log);
  });

  app.post("/runs/:id/cancel", async (c) => {
    const runId = c.req.param("id");
    const parsed = CancelRequest.safeParse(await readJsonBody(c, deps.config.limits.max_body_bytes, {}));
    if (!parsed.success) throw validationError(zodDetails(parsed.error));
    const outcome = await cancelRun(deps, runId, parsed.data.agent_ids);
    return c.json({ run_id: runId, status: outcome.status }, outcome.ended ? 200 : 202);
  });

  return app;
}
