import { request } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dashboardRoutes } from "../../src/http/dashboard-routes.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { useTempDir } from "../helpers/temp-dir.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const dir = useTempDir("fanout-dashboard-");

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { path }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard's static files", () => {
  it("serves the page at / with its content type, revalidation and a strict content policy", async () => {
    harness = await startHarness([]);
    const response = await fetch(`${harness.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await response.text()).toContain('<script type="module" src="/assets/app.js">');
  });

  it("serves assets with their types and answers 304 to a matching ETag", async () => {
    harness = await startHarness([]);
    const types = {
      "app.js": "text/javascript; charset=utf-8",
      "theme.css": "text/css; charset=utf-8",
      "favicon.svg": "image/svg+xml",
    };
    for (const [name, type] of Object.entries(types)) {
      const response = await fetch(`${harness.url}/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get("content-type"), name).toBe(type);
      expect(response.headers.get("cache-control"), name).toBe("no-cache");
      const etag = response.headers.get("etag") ?? "";
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${harness.url}/assets/${name}`, { headers: { "if-none-match": etag } });
      expect(again.status, name).toBe(304);
    }
  });

  it("serves the compiled event reducer from dist/, so the page folds events with the server's code", async () => {
    harness = await startHarness([]);
    const response = await fetch(`${harness.url}/assets/run-snapshot.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const compiled = await readFile(
      new URL("../../dist/src/protocol/run-snapshot.js", import.meta.url),
      "utf8",
    );
    expect(await response.text()).toBe(compiled);
    // The browser imports it as is: it must not import anything at run time.
    expect(compiled).not.toMatch(/^\s*import\s/m);
  });

  it("never serves a file outside dashboard/", async () => {
    harness = await startHarness([]);
    const attempts = [
      "/assets/../package.json",
      "/assets/..%2Fpackage.json",
      "/assets/%2e%2e%2fpackage.json",
      "/assets/..%5Cpackage.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/assets/.env",
      "/assets/index.html",
      "/assets/sub/app.js",
      "/dashboard/app.js",
      "/../src/app.ts",
    ];
    for (const path of attempts) {
      const { status, body } = await rawGet(harness.url, path);
      expect(status, path).toBe(404);
      expect(body, path).not.toContain("letta-fanout");
    }
  });

  it("keeps the page public while /v1 asks for the token", async () => {
    harness = await startHarness([], { auth: { tokens: ["dash-secret-token"] } });
    expect((await fetch(`${harness.url}/`)).status).toBe(200);
    expect((await fetch(`${harness.url}/assets/app.js`)).status).toBe(200);
    expect((await fetch(`${harness.url}/v1/panels`)).status).toBe(401);
  });

  it("answers 503 with what to do when the compiled reducer is missing", async () => {
    await mkdir(join(dir.path, "dashboard"));
    await writeFile(join(dir.path, "dashboard", "index.html"), "<!doctype html><title>t</title>");
    const app = dashboardRoutes({ root: dir.path });
    const missing = await app.request("/assets/run-snapshot.js");
    expect(missing.status).toBe(503);
    expect(missing.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(missing.headers.get("cache-control")).toBe("no-store");
    expect(await missing.text()).toContain("npm run build");
    expect((await app.request("/")).status).toBe(200);
  });
});
