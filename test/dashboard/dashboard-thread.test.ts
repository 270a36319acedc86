import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { SimAgentSpec } from "../../src/simulator/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { browserSuite, noBrowser } from "./browser.js";
import { ANALYST, ANALYST_ANSWER, dashboardAgents, filled, POET, POET_ANSWER } from "./dashboard-agents.js";
import { runIdOf, send, snapshotOf, useDashboard, waitForRunStatus } from "./dashboard-session.js";

const SCREENSHOT = new URL("../../test-artifacts/dashboard-thread.png", import.meta.url);
const WAITING_SCREENSHOT = new URL("../../test-artifacts/dashboard-waiting.png", import.meta.url);

/** One turn of the thread on screen: its run, the message it shows, its columns in order. */
interface Turn {
  runId: string;
  message: string;
  agents: [agentId: string, answer: string][];
}

/** The thread on screen, oldest turn first. */
function thread(page: Page): Promise<Turn[]> {
  return page.$$eval("section.turn", (sections) =>
    sections.map((section) => ({
      runId: (section as HTMLElement).dataset.runId ?? "",
      message: section.querySelector(".turn-message-text")?.textContent ?? "",
      agents: [...section.querySelectorAll<HTMLElement>("article.agent")].map(
        (article) =>
          [article.dataset.agentId ?? "", article.querySelector(".answer")?.textContent ?? ""] as [
            string,
            string,
          ],
      ),
    })),
  );
}

/** What a column says while its agent waits for a conversation another run is using. */
const WAITING = "Waiting for its conversation (another run is using it).";

/** What the duo answers to `message`, column by column. */
const duoAnswers = (message: string): [string, string][] => [
  [ANALYST, filled(ANALYST_ANSWER, message)],
  [POET, filled(POET_ANSWER, message)],
];

/** Waits until every agent column of every turn on screen shows `completed`. */
async function waitForThreadDone(page: Page, turns: number) {
  await page.waitForFunction((count) => {
    const sections = [...document.querySelectorAll("section.turn")];
    return (
      sections.length === count &&
      sections.every((section) => {
        const statuses = [...section.querySelectorAll(".agent-header .status")];
        return statuses.length > 0 && statuses.every((status) => status.textContent === "completed");
      })
    );
  }, turns);
}

/** The dashboard cast with `held` agents stopping after a few events of their first run until `sim.release`. */
function withHolds(...held: string[]): SimAgentSpec[] {
  return dashboardAgents().map((agent) =>
    held.includes(agent.id) ? { ...agent, faults: [{ kind: "hold", after_events: 2 }] } : agent,
  );
}

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: threads"), () => {
  const dashboard = useDashboard();

  it("asks a panel, asks again from the page: both turns' exact answers per agent, in order, also after a reload", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page, harness } = session;
    const first = "What is a good first program?";
    const second = "Now compare your answers.";
    const firstRun = await send(page, "duo", first);
    await waitForRunStatus(page, "completed");

    await page.fill("#follow-up-message", second);
    await page.press("#follow-up-message", "Enter");
    await page.waitForURL((url) => !url.hash.endsWith(firstRun));
    const secondRun = runIdOf(page);
    expect(secondRun).toMatch(/^fr-/);
    await waitForRunStatus(page, "completed");
    await waitForThreadDone(page, 2);
    const expected = [
      { runId: firstRun, message: first, agents: duoAnswers(first) },
      { runId: secondRun, message: second, agents: duoAnswers(second) },
    ];
    expect(await thread(page)).toEqual(expected);
    expect(await page.inputValue("#follow-up-message")).toBe("");
    expect(await page.locator(".run-summary").textContent()).toMatch(/^turn 2 of 2 · 2\/2 agents done/);
    expect(await page.locator('section.turn[aria-current="true"]').getAttribute("data-run-id")).toBe(
      secondRun,
    );

    const unlabelled = await page.$$eval("input, select, textarea", (controls) =>
      controls
        .filter((control) => (control as HTMLInputElement).labels?.length === 0)
        .map((control) => control.id),
    );
    expect(unlabelled).toEqual([]);

    // The service agrees: the follow-up names its parent, in the same (default) conversations.
    const [parent, child] = [await snapshotOf(harness, firstRun), await snapshotOf(harness, secondRun)];
    expect(parent.follow_ups).toEqual([secondRun]);
    expect(child.parent_run_id).toBe(firstRun);
    for (const id of [ANALYST, POET]) {
      expect(child.agents[id]?.conversation_id).toBe(parent.agents[id]?.conversation_id);
      expect(harness.sim.record.conversationMessages("default", id)).toHaveLength(2);
    }

    // A reload of the follow-up's URL walks up to the first question and shows the whole thread.
    await page.reload();
    await waitForThreadDone(page, 2);
    expect(runIdOf(page)).toBe(secondRun);
    expect(await thread(page)).toEqual(expected);
    await waitForRunStatus(page, "completed");

    await mkdir(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

    // The first question's URL, opened in another tab, walks down to its follow-up.
    const other = await session.context.newPage();
    await other.goto(`${harness.url}/#run=${encodeURIComponent(firstRun)}`);
    await waitForThreadDone(other, 2);
    expect(await thread(other)).toEqual(expected);
    expect(await other.locator('section.turn[aria-current="true"]').getAttribute("data-run-id")).toBe(
      firstRun,
    );
    // A turn's link puts that turn in the header and the URL, without loading the thread again.
    await other.locator(`section.turn[data-run-id="${secondRun}"] .turn-link`).click();
    await other.locator(".run-id", { hasText: secondRun }).waitFor();
    expect(runIdOf(other)).toBe(secondRun);

    // Asked again from elsewhere (here the API): the thread on screen grows by that turn, live.
    const third = "One more, from the command line.";
    const response = await harness.post(`/v1/runs/${secondRun}/follow-ups`, { message: third });
    const { run_id: thirdRun } = (await response.json()) as { run_id: string };
    await waitForThreadDone(other, 3);
    const shown = await thread(other);
    expect(shown.slice(0, 2)).toEqual(expected);
    expect(shown[2]?.runId).toBe(thirdRun);
    expect(shown[2]?.agents).toEqual(duoAnswers(third));
    // Asked elsewhere, yet shown: run.started names the message.
    expect(shown[2]?.message).toBe(third);
    expect(runIdOf(other)).toBe(secondRun);
    expect(session.pageErrors).toEqual([]);
  });

  it("asks in new conversations when the form says so, and a follow-up stays in them", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page, harness } = session;
    await page.selectOption("#conversation", "new");
    const first = "Start afresh.";
    const firstRun = await send(page, "duo", first);
    await waitForRunStatus(page, "completed");
    const parent = await snapshotOf(harness, firstRun);
    expect(parent.options.conversation).toBe("new");
    const conversations = [ANALYST, POET].map((id) => parent.agents[id]?.conversation_id);
    expect(conversations).toEqual([expect.stringMatching(/^conv-/), expect.stringMatching(/^conv-/)]);

    const second = "And then?";
    await page.fill("#follow-up-message", second);
    await page.click("#follow-up-send");
    await page.waitForURL((url) => !url.hash.endsWith(firstRun));
    await waitForThreadDone(page, 2);
    const child = await snapshotOf(harness, runIdOf(page));
    expect([ANALYST, POET].map((id) => child.agents[id]?.conversation_id)).toEqual(conversations);
    expect((await thread(page)).map((turn) => [turn.message, turn.agents])).toEqual([
      [first, duoAnswers(first)],
      [second, duoAnswers(second)],
    ]);
    expect(session.pageErrors).toEqual([]);
  });

  it("two asks of one panel from two pages: both exact, the later one waits for its conversation and says so", async () => {
    const session = await dashboard.open(withHolds(ANALYST, POET));
    const { page, harness } = session;
    const browser = session.context.browser();
    if (!browser) throw new Error("no browser");
    const otherContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const later = await otherContext.newPage();
      const laterErrors: string[] = [];
      later.on("pageerror", (error) => laterErrors.push(error.message));
      await later.goto(harness.url);

      const first = "Who goes first?";
      const second = "And who goes second?";
      const firstRun = await send(page, "duo", first);
      await waitFor(() => harness.sim.record.openStreams() === 2, "the first run's agents streaming");
      const secondRun = await send(later, "duo", second);
      for (const id of [ANALYST, POET]) {
        const column = later.locator(`article.agent[data-agent-id="${id}"]`);
        // Queued like any waiting agent, and told why: another run has its conversation.
        await column.locator(".agent-wait", { hasText: WAITING }).waitFor();
        expect(await column.locator(".agent-wait").textContent()).toBe(WAITING);
        expect(await column.locator(".status").textContent()).toBe("queued (#1)");
      }
      expect(await page.locator(".agent-wait:visible").count()).toBe(0);
      await mkdir(new URL(".", WAITING_SCREENSHOT), { recursive: true });
      await later.screenshot({ path: WAITING_SCREENSHOT.pathname });

      harness.sim.release(ANALYST);
      harness.sim.release(POET);
      await waitForRunStatus(page, "completed");
      await waitForRunStatus(later, "completed");
      expect(await thread(page)).toEqual([{ runId: firstRun, message: first, agents: duoAnswers(first) }]);
      expect(await thread(later)).toEqual([
        { runId: secondRun, message: second, agents: duoAnswers(second) },
      ]);
      expect(await later.locator(".agent-wait:visible").count()).toBe(0);
      // At "Letta", one run at a time per agent's conversation.
      expect(harness.sim.record.overlaps()).toEqual([]);
      expect(laterErrors).toEqual([]);
    } finally {
      await otherContext.close();
    }
    expect(session.pageErrors).toEqual([]);
  });
});
