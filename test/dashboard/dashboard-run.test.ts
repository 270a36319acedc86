import { mkdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { scripted } from "../helpers/agents.js";
import { browserSuite, noBrowser } from "./browser.js";
import {
  ANALYST,
  ANALYST_ANSWER,
  dashboardAgents,
  filled,
  MISSING,
  POET,
  POET_ANSWER,
  RESEARCHER,
  UNKNOWN,
} from "./dashboard-agents.js";
import { answers, column, useDashboard, send, snapshotOf, waitForRunStatus } from "./dashboard-session.js";

const SCREENSHOT = new URL("../../test-artifacts/dashboard-finished.png", import.meta.url);

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: sending a message"), () => {
  const dashboard = useDashboard();

  it("fills every column of a panel with exactly the text GET /v1/runs/{id} reports", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page, harness } = session;
    const message = "What is a good first program?";
    const runId = await send(page, "duo", message);
    await waitForRunStatus(page, "completed");
    const snapshot = await snapshotOf(harness, runId);
    expect(await answers(page)).toEqual({
      [ANALYST]: snapshot.agents[ANALYST]?.text,
      [POET]: snapshot.agents[POET]?.text,
    });
    expect(snapshot.agents[ANALYST]?.text).toBe(filled(ANALYST_ANSWER, message));
    expect(snapshot.agents[POET]?.text).toBe(filled(POET_ANSWER, message));

    const analyst = column(page, ANALYST);
    expect(await analyst.locator(".agent-name").textContent()).toBe("Analyst");
    expect(await column(page, POET).locator(".agent-name").textContent()).toBe("Poet");
    expect(await analyst.locator(".status").textContent()).toBe("completed");
    expect(await analyst.locator(".reasoning-text").textContent()).toBe(snapshot.agents[ANALYST]?.reasoning);
    expect(await analyst.locator(".reasoning").getAttribute("open")).not.toBeNull();
    // TTFT and tokens/s come from the agent's metrics once it completed.
    const metrics = snapshot.agents[ANALYST]?.metrics;
    expect(await analyst.locator('[data-metric="ttft"]').textContent()).toBe(`${metrics?.ttft_ms} ms`);
    expect(await analyst.locator('[data-metric="tokens-per-second"]').textContent()).toBe(
      metrics?.tokens_per_second?.toFixed(1),
    );
    expect(await page.locator(".run-summary").textContent()).toContain("2/2 agents done");
    expect(await page.locator("#stop-run").isHidden()).toBe(true);
    expect(session.pageErrors).toEqual([]);
  });

  it("shows a failing agent's error while the others finish, tool calls and reasoning apart", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page, harness } = session;
    const runId = await send(page, "demo", "Is streaming worth it?");
    await waitForRunStatus(page, "partial");
    const snapshot = await snapshotOf(harness, runId);
    expect(Object.keys(snapshot.agents).sort()).toEqual([ANALYST, POET, RESEARCHER, MISSING].sort());

    const missing = column(page, MISSING);
    expect(await missing.locator(".status").textContent()).toBe("failed");
    const error = snapshot.agents[MISSING]?.error;
    expect(error?.code).toBe("agent_not_found");
    expect(await missing.locator(".agent-error").textContent()).toBe(`${error?.code}: ${error?.message}`);
    for (const id of [ANALYST, POET, RESEARCHER]) {
      expect(await column(page, id).locator(".status").textContent()).toBe("completed");
    }
    const texts = Object.fromEntries(Object.entries(snapshot.agents).map(([id, agent]) => [id, agent.text]));
    expect(await answers(page)).toEqual(texts);

    const researcher = column(page, RESEARCHER);
    const tool = researcher.locator("details.tool-call");
    expect(await tool.locator(".tool-name").textContent()).toBe("web_search");
    expect(await tool.locator(".tool-status").textContent()).toBe("success");
    expect(await tool.getAttribute("open")).toBeNull();
    await tool.locator("summary").click();
    expect(JSON.parse((await tool.locator(".tool-arguments").textContent()) ?? "")).toEqual({
      query: "Is streaming worth it?",
      max_results: 3,
    });
    expect(await tool.locator(".tool-result").textContent()).toBe(
      snapshot.agents[RESEARCHER]?.tool_calls[0]?.result,
    );
    // Agent text is text: the "<b>" it contains shows as characters, never as markup.
    expect(await researcher.locator(".answer").textContent()).toContain("<b>[1]</b>");
    expect(await researcher.locator(".answer b").count()).toBe(0);

    await mkdir(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    expect(session.pageErrors).toEqual([]);
  });

  it("shows a retry with the attempt it is waiting to make, then the attempts it took", async () => {
    const agents = dashboardAgents().map((agent) =>
      agent.id === POET
        ? { ...agent, faults: [{ kind: "status" as const, status: 429, retry_after: 1 }] }
        : agent,
    );
    const session = await dashboard.open(agents);
    const { page, harness } = session;
    const runId = await send(page, "duo", "Try again.");
    const poet = column(page, POET);
    await poet.locator(".status", { hasText: "retrying (attempt 2)" }).waitFor();
    await waitForRunStatus(page, "completed");
    expect(await poet.locator('[data-metric="attempts"]').textContent()).toBe("2");
    expect(await poet.locator(".answer").textContent()).toBe(
      (await snapshotOf(harness, runId)).agents[POET]?.text,
    );
    expect(session.pageErrors).toEqual([]);
  });

  it("runs pasted agent ids, and an id Letta does not know fails with its error", async () => {
    const session = await dashboard.open([scripted(1, "Only one of us exists.")]);
    const { page, harness } = session;
    const runId = await send(page, "Paste agent ids", "Hello?", [ANALYST, UNKNOWN]);
    await waitForRunStatus(page, "partial");
    const snapshot = await snapshotOf(harness, runId);
    expect(await column(page, ANALYST).locator(".answer").textContent()).toBe("Only one of us exists.");
    const unknown = column(page, UNKNOWN);
    expect(await unknown.locator(".status").textContent()).toBe("failed");
    expect(await unknown.locator(".agent-error").textContent()).toBe(
      `agent_not_found: ${snapshot.agents[UNKNOWN]?.error?.message}`,
    );
    expect(session.pageErrors).toEqual([]);
  });

  it("shows the service's validation message when a send is refused", async () => {
    const session = await dashboard.open(dashboardAgents());
    const { page } = session;
    await page.selectOption("#target", { label: "Paste agent ids…" });
    await page.fill("#agent-ids", "not-an-agent-id");
    await page.fill("#message", "Hi");
    await page.click("#send");
    const problem = page.locator("#compose-error");
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^422 validation_failed: .* — agent_ids\.0: /);
    expect(new URL(page.url()).hash).toBe("");
  });
});
