import { Hono } from "hono";
import { cors } from "hono/cors";
import { AppError, toAppError } from "./errors.js";
import type { AppDeps } from "./http/app-deps.js";
import { bearerAuth } from "./http/auth.js";
import { dashboardRoutes } from "./http/dashboard-routes.js";
import { miscRoutes } from "./http/misc-routes.js";
import { refuseUpgrade } from "./http/refuse-upgrade.js";
import { runRoutes } from "./http/run-routes.js";
import { wsRoutes } from "./http/ws-routes.js";

/**
 * The service's HTTP app: wiring only, it never listens (tests and `main.ts` serve it). Errors
 * become API.md §5 JSON bodies; agent failures never get here, they are events.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const origins = deps.config.cors.origins;
  if (origins.length > 0) {
    app.use(
      "*",
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        exposeHeaders: ["X-Run-Id"],
        allowHeaders: ["Authorization", "Content-Type", "Last-Event-ID"],
      }),
    );
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Public, so it names which dependency failed and how (e.g. `http_401`), never upstream text.
  // A stopping instance is not ready from the first moment, so balancers move traffic away.
  app.get("/readyz", async (c) => {
    if (deps.runs.stopping) return c.json({ status: "shutting_down" }, 503);
    const signal = AbortSignal.timeout(5_000);
    const [upstream, store] = await Promise.all([deps.checkUpstream(signal), deps.store.check(signal)]);
    const ready = upstream === "ok" && store === "ok";
    return c.json({ status: ready ? "ready" : "not_ready", upstream, store }, ready ? 200 : 503);
  });

  app.get("/metrics", (c) => c.text(deps.metrics(), 200, { "content-type": "text/plain; version=0.0.4" }));

  // The dashboard page is public (outside /v1 auth); the API calls it makes carry the token.
  app.route("/", dashboardRoutes());

  app.use("/v1/*", bearerAuth(deps.authTokens));
  app.route("/v1", runRoutes(deps));
  app.route("/v1", miscRoutes(deps));
  app.route("/v1", wsRoutes(deps));

  app.notFound((c) =>
    c.json(new AppError("not_found", `No route ${c.req.method} ${c.req.path}.`, 404).toBody(), 404),
  );
  app.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.status >= 500 && appError.code === "internal")
      deps.log(`${c.req.method} ${c.req.path} failed`, error);
    // A refused WebSocket upgrade (e.g. the 401 of auth) keeps its JSON body: the Node adapter
    // alone would send the status with an empty body.
    if (c.req.header("upgrade")?.toLowerCase() === "websocket") return refuseUpgrade(c, appError);
    if (appError.extra.retryAfterSeconds !== undefined)
      c.header("Retry-After", String(appError.extra.retryAfterSeconds));
    return c.json(appError.toBody(), appError.status as 400);
  });
  return app;
}
