import type { Browser, BrowserContext, Page } from "playwright-core";
import type { FanoutConfigInput } from "../../src/config/index.js";
import type { RunSnapshot } from "../../src/protocol/run-snapshot.js";
import type { SimAgentSpec } from "../../src/simulator/index.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { launchChromium } from "./browser.js";
import { DASHBOARD_PANELS } from "./dashboard-agents.js";

/** Every Playwright wait gets this deadline, well inside the test's own. */
const WAIT_MS = 8_000;

/** The service + simulator (with the dashboard panels) and a fresh browser page on the dashboard. */
export interface DashboardSession {
  harness: Harness;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page threw; a test ends by expecting none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Registers a suite's hooks: one Chromium for the suite, one dashboard session per test, torn
 * down after it. `open` starts that session.
 */
export function useDashboard(): {
  open: (agents: SimAgentSpec[], config?: FanoutConfigInput, path?: string) => Promise<DashboardSession>;
} {
  let browser: Browser | undefined;
  let session: DashboardSession | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });
  return {
    async open(agents, config = {}, path = "/") {
      if (!browser) throw new Error("the browser did not start");
      session = await openDashboard(browser, agents, config, path);
      return session;
    },
  };
}

export async function openDashboard(
  browser: Browser,
  agents: SimAgentSpec[],
  config: FanoutConfigInput = {},
  path = "/",
): Promise<DashboardSession> {
  const harness = await startHarness(agents, { panels: DASHBOARD_PANELS, ...config });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${harness.url}${path}`);
  return {
    harness,
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      await harness.close();
    },
  };
}

/** Chooses a panel (or "Paste agent ids…" with `agentIds`), types the message and presses Enter. */
export async function send(page: Page, target: string, message: string, agentIds: string[] = []) {
  await page.locator("#target option", { hasText: target }).first().waitFor({ state: "attached" });
  const value = await page.locator("#target option", { hasText: target }).first().getAttribute("value");
  await page.selectOption("#target", value ?? "");
  if (agentIds.length > 0) await page.fill("#agent-ids", agentIds.join("\n"));
  await page.fill("#message", message);
  await page.press("#message", "Enter");
  await page.waitForURL(/#run=fr-/);
  return runIdOf(page);
}

/** The run on screen, from the URL hash. */
export function runIdOf(page: Page): string {
  return decodeURIComponent(new URL(page.url()).hash.replace(/^#run=/, ""));
}

/** Waits until the run header shows `status`. */
export async function waitForRunStatus(page: Page, status: string) {
  await page.locator(".run-status", { hasText: new RegExp(`^${status}$`) }).waitFor();
}

/** The column of one agent. */
export function column(page: Page, agentId: string) {
  return page.locator(`article.agent[data-agent-id="${agentId}"]`);
}

/** What each column shows as its answer, by agent id. */
export async function answers(page: Page): Promise<Record<string, string>> {
  return page.$$eval("article.agent", (articles) =>
    Object.fromEntries(
      articles.map((article) => [
        (article as HTMLElement).dataset.agentId ?? "",
        article.querySelector(".answer")?.textContent ?? "",
      ]),
    ),
  );
}

/** `GET /v1/runs/{id}` straight from the service. */
export async function snapshotOf(harness: Harness, runId: string, token?: string): Promise<RunSnapshot> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${harness.url}/v1/runs/${runId}`, { headers });
  if (!response.ok) throw new Error(`GET /v1/runs/${runId}: ${response.status}`);
  return (await response.json()) as RunSnapshot;
}
