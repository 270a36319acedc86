import { describe, expect, it } from "vitest";
import type { SimAgentSpec } from "../../src/simulator/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { browserSuite, noBrowser } from "./browser.js";
import { ANALYST, dashboardAgents, filled, POET, POET_ANSWER } from "./dashboard-agents.js";
import {
  column,
  send,
  snapshotOf,
  useDashboard,
  waitForRunStatus,
  type DashboardSession,
} from "./dashboard-session.js";

/** The dashboard cast with `held` agents stopping after a few events until `sim.release`. */
function withHolds(...held: string[]): SimAgentSpec[] {
  return dashboardAgents().map((agent) =>
    held.includes(agent.id) ? { ...agent, faults: [{ kind: "hold", after_events: 4 }] } : agent,
  );
}

const cancels = (session: DashboardSession, agentId: string) =>
  session.harness.sim.record.requests(agentId).filter((request) => request.kind === "cancel").length;

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: stopping"), () => {
  const dashboard = useDashboard();

  it("the stop button cancels the run upstream and every column shows cancelled", async () => {
    const session = await dashboard.open(withHolds(ANALYST, POET));
    const s = session;
    const { page, harness } = s;
    const runId = await send(page, "duo", "Take your time.");
    await waitFor(() => harness.sim.record.openStreams() === 2, "both agents streaming");
    await column(page, POET).locator(".status", { hasText: "streaming" }).waitFor();
    await page.click("#stop-run");
    await waitForRunStatus(page, "cancelled");
    for (const id of [ANALYST, POET]) {
      expect(await column(page, id).locator(".status").textContent()).toBe("cancelled");
      expect(await column(page, id).locator(".agent-stop").isHidden()).toBe(true);
    }
    await waitFor(() => harness.sim.record.openStreams() === 0, "upstream streams closed");
    expect([cancels(s, ANALYST), cancels(s, POET)]).toEqual([1, 1]);
    // The text that arrived before the stop stays, exactly as the service kept it.
    const snapshot = await snapshotOf(harness, runId);
    expect(await column(page, POET).locator(".answer").textContent()).toBe(snapshot.agents[POET]?.text);
    expect(await page.locator("#stop-run").isHidden()).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it("a column's stop button cancels only that agent; the others finish", async () => {
    const session = await dashboard.open(withHolds(ANALYST, POET));
    const s = session;
    const { page, harness } = s;
    const message = "One of you may stop.";
    const runId = await send(page, "duo", message);
    await waitFor(() => harness.sim.record.openStreams() === 2, "both agents streaming");
    await column(page, ANALYST).locator(".status", { hasText: "streaming" }).waitFor();
    await page.getByRole("button", { name: "Stop Analyst" }).click();
    await column(page, ANALYST).locator(".status", { hasText: "cancelled" }).waitFor();
    expect(await column(page, POET).locator(".status").textContent()).toBe("streaming");
    harness.sim.release(POET);
    await waitForRunStatus(page, "partial");
    expect(await column(page, POET).locator(".answer").textContent()).toBe(filled(POET_ANSWER, message));
    expect([cancels(s, ANALYST), cancels(s, POET)]).toEqual([1, 0]);
    const snapshot = await snapshotOf(harness, runId);
    expect(snapshot.agents[ANALYST]?.status).toBe("cancelled");
    expect(s.pageErrors).toEqual([]);
  });
});
