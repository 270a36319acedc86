import { mkdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { browserSuite, noBrowser } from "./browser.js";
import { ANALYST, dashboardAgents, POET } from "./dashboard-agents.js";
import { answers, useDashboard, send, snapshotOf, waitForRunStatus } from "./dashboard-session.js";

const TOKEN = "dashboard-test-token-0123456789";
const PHONE_SCREENSHOT = new URL("../../test-artifacts/dashboard-phone.png", import.meta.url);

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: access"), () => {
  const dashboard = useDashboard();

  it("says plainly when a token is needed, then works with it, across a reload", async () => {
    const session = await dashboard.open(dashboardAgents(), { auth: { tokens: [TOKEN] } });
    const { page, harness } = session;
    await page
      .locator("#compose-error", { hasText: "401 unauthorized: Missing or wrong access token" })
      .waitFor();
    await page.locator(".runs .problem", { hasText: "401 unauthorized" }).waitFor();
    await page.fill("#token", TOKEN);
    await page.press("#token", "Enter");
    await page.locator("#target option", { hasText: "duo" }).waitFor({ state: "attached" });
    expect(await page.locator("#compose-error").isHidden()).toBe(true);
    await page.locator("#runs-live", { hasText: "live" }).waitFor();

    const runId = await send(page, "duo", "Only for token holders.");
    await waitForRunStatus(page, "completed");
    const snapshot = await snapshotOf(harness, runId, TOKEN);
    const texts = { [ANALYST]: snapshot.agents[ANALYST]?.text, [POET]: snapshot.agents[POET]?.text };
    expect(await answers(page)).toEqual(texts);
    expect(await page.evaluate(() => localStorage.getItem("letta-fanout:token"))).toBe(TOKEN);

    // The token survives a reload, and so does the run on screen (snapshot + events, with it).
    await page.reload();
    await waitForRunStatus(page, "completed");
    expect(await page.inputValue("#token")).toBe(TOKEN);
    expect(await answers(page)).toEqual(texts);
    expect(session.pageErrors).toEqual([]);
  });

  it("is usable from the keyboard: labelled controls, a sensible tab order, Enter to send", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page } = session;
    await page.locator("#target option", { hasText: "duo" }).waitFor({ state: "attached" });
    const unlabelled = await page.$$eval("input, select, textarea", (controls) =>
      controls
        .filter((control) => (control as HTMLInputElement).labels?.length === 0)
        .map((control) => control.id),
    );
    expect(unlabelled).toEqual([]);
    const order: string[] = [];
    for (let step = 0; step < 7; step += 1) {
      await page.keyboard.press("Tab");
      order.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ""),
      );
    }
    expect(order).toEqual(["skip-link", "token", "token-save", "target", "message", "conversation", "send"]);
    await page.selectOption("#target", "duo");
    await page.focus("#message");
    await page.keyboard.type("First line");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line");
    expect(await page.inputValue("#message")).toBe("First line\nsecond line");
    await page.keyboard.press("Enter");
    await waitForRunStatus(page, "completed");
  });

  it("fits a phone screen: one column, no sideways scrolling", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page } = session;
    await page.setViewportSize({ width: 390, height: 844 });
    await send(page, "demo", "Small screen?");
    await waitForRunStatus(page, "partial");
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      lefts: [...document.querySelectorAll("article.agent")].map((node) => node.getBoundingClientRect().left),
    }));
    expect(layout.overflow).toBeLessThanOrEqual(0);
    expect(new Set(layout.lefts).size).toBe(1);
    await mkdir(new URL(".", PHONE_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: PHONE_SCREENSHOT.pathname, fullPage: true });
  });
});
