import { Hono } from "hono";
import { notFound } from "../errors.js";
import { ownValue } from "../own-value.js";
import type { AppDeps } from "./app-deps.js";
import { readCursor } from "./cursor.js";
import { firehoseReader } from "./log-readers.js";
import { serveLog } from "./pipe-log.js";

/** `/v1/events` (the firehose) and `/v1/panels` (API.md §2). */
export function miscRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/events", async (c) => {
    const panel = c.req.query("panel");
    const reader = firehoseReader(deps.store, panel);
    // Without a cursor a dashboard wants what happens from now on, not the whole history.
    const after = readCursor(c) ?? (await deps.store.firehoseHead());
    return serveLog(c, deps.hub, reader, after, deps.log);
  });

  app.get("/panels", (c) =>
    c.json({ panels: Object.entries(deps.config.panels).map(([name, panel]) => ({ name, ...panel })) }),
  );

  app.get("/panels/:name", (c) => {
    const name = c.req.param("name");
    const panel = ownValue(deps.config.panels, name);
    if (!panel) throw notFound(`No panel named "${name}".`);
    return c.json({ name, ...panel });
  });

  return app;
}
