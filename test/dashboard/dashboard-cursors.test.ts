import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServiceLives, type ServiceLives } from "../helpers/service-lives.js";
import { browserSuite, launchChromium, noBrowser } from "./browser.js";
import { ANALYST, DASHBOARD_PANELS, dashboardAgents } from "./dashboard-agents.js";
import { send } from "./dashboard-session.js";

/** Every Playwright wait gets this deadline, well inside the test's own. */
const WAIT_MS = 8_000;

/** The Analyst stops after its first events until `sim.release`. */
const heldAnalyst = () =>
  dashboardAgents().map((agent) =>
    agent.id === ANALYST ? { ...agent, faults: [{ kind: "hold" as const, after_events: 2 }] } : agent,
  );

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: cursors"), () => {
  let browser: Browser | undefined;
  let lives: ServiceLives | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await lives?.close();
    lives = undefined;
    pageErrors.length = 0;
  });

  /** The service (which `lives.restart()` replaces at the same URL) and the dashboard on it. */
  async function open(agents = dashboardAgents()): Promise<{ page: Page; lives: ServiceLives }> {
    if (!browser) throw new Error("the browser did not start");
    const started = await startServiceLives(agents, { panels: DASHBOARD_PANELS, sse: { retry_ms: 100 } });
    lives = started;
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => pageErrors.push(error.message));
    // Not awaited: after the last test the browser may close first, and that is no failure.
    page.on("close", () => void context.close().catch(() => undefined));
    await page.goto(started.url);
    return { page, lives: started };
  }

  async function startRun(url: string, message: string): Promise<string> {
    const response = await fetch(`${url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, panel: "duo" }),
    });
    return ((await response.json()) as { run_id: string }).run_id;
  }

  it("the run list starts over by itself when the service restarted under it", async () => {
    const { page, lives: service } = await open();
    await page.locator("#runs-live", { hasText: "live" }).waitFor();
    const before = await startRun(service.url, "Before the restart.");
    const oldRow = page.locator(`.run-row[data-run-id="${before}"]`);
    await oldRow.locator(".status", { hasText: "completed" }).waitFor();

    // The firehose reader gets shutting_down, and EventSource comes back with the old life's id.
    await service.restart();
    const after = await startRun(service.url, "After the restart.");
    await page.locator(`.run-row[data-run-id="${after}"] .status`, { hasText: "completed" }).waitFor();
    // The list is the new life's: the old run is gone from the service, and from the list.
    await oldRow.waitFor({ state: "detached" });
    await page.locator("#runs-live", { hasText: "live" }).waitFor();
    const later = await startRun(service.url, "Live again.");
    await page.locator(`.run-row[data-run-id="${later}"] .status`, { hasText: "completed" }).waitFor();
    expect(await page.locator(".run-row").count()).toBe(2);
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it("a run's stream answered 204 (the run is over) is not opened again", async () => {
    const { page, lives: service } = await open(heldAnalyst());
    const requests: string[] = [];
    // A service that says the run is over while the page still thinks it runs.
    await page.route(/\/v1\/runs\/[^/]+\/events/, async (route) => {
      requests.push(route.request().url());
      // A request still on its way when the page closes cannot be answered: that is no failure.
      await route.fulfill({ status: 204 }).catch(() => undefined);
    });
    await send(page, "duo", "Ended already?");
    await page.locator(".run-notice", { hasText: "The run has ended" }).waitFor();
    // One EventSource request and the probe that found out why it stopped; no reconnects.
    expect(requests).toHaveLength(2);
    service.sim.release(ANALYST);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
