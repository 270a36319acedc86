import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { Hono, type Context } from "hono";
import { packageRoot } from "../config/package-root.js";
import { notFound } from "../errors.js";

/** The only file types the dashboard ships; anything else under /assets is a 404. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * Asset names are flat (no folders) and plain: a name that could climb out of `dashboard/`
 * (`..`, `/`, `\`, `%2f` after decoding) never reaches the file system.
 */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(?:js|css|svg)$/;

/**
 * The page talks only to this origin; agent text is rendered with textContent, and this policy
 * is the second line of defence should a bug ever let markup through.
 */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  // EventSource URLs may carry ?access_token=; never hand them to another site as a Referer.
  "referrer-policy": "no-referrer",
};

export interface DashboardOptions {
  /** The package folder holding `dashboard/` and `dist/`; letta-fanout's own by default. */
  root?: string;
}

/**
 * The dashboard (API.md §6) as static files, outside /v1 auth: the page is public, its API calls
 * carry the token. `GET /` is `dashboard/index.html`, `/assets/{name}` a file of `dashboard/`,
 * and `/assets/run-snapshot.js` the compiled `applyEvent` reducer, so the page folds events with
 * exactly the server's code. Files are unversioned, so every answer is `no-cache` with an ETag:
 * the browser revalidates cheaply (304) and never runs a stale module after an upgrade.
 */
export function dashboardRoutes(options: DashboardOptions = {}): Hono {
  const root = options.root ?? packageRoot();
  const dashboardDir = join(root, "dashboard");
  const reducerFile = join(root, "dist", "src", "protocol", "run-snapshot.js");
  const app = new Hono();

  app.get("/", (c) => sendFile(c, join(dashboardDir, "index.html"), PAGE_HEADERS));

  app.get("/assets/run-snapshot.js", async (c) => {
    if (!existsSync(reducerFile)) {
      return c.text(
        "The dashboard needs the compiled event reducer (dist/src/protocol/run-snapshot.js), which is " +
          "missing. Run `npm run build` (npm start does it for you), then reload.",
        503,
        { "cache-control": "no-store" },
      );
    }
    return sendFile(c, reducerFile);
  });

  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    if (!ASSET_NAME.test(name)) throw notFound(`No dashboard asset ${JSON.stringify(name.slice(0, 100))}.`);
    return sendFile(c, join(dashboardDir, name));
  });

  return app;
}

async function sendFile(c: Context, file: string, headers: Record<string, string> = {}): Promise<Response> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    throw notFound(`No dashboard file ${c.req.path}.`);
  }
  const etag = `"${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`;
  const common = {
    etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    ...headers,
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, common);
  return c.body(new Uint8Array(body), 200, {
    ...common,
    "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
  });
}
