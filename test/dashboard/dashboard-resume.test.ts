import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait-for.js";
import { browserSuite, noBrowser } from "./browser.js";
import { ANALYST, ANALYST_ANSWER, dashboardAgents, filled, POET } from "./dashboard-agents.js";
import {
  answers,
  column,
  send,
  snapshotOf,
  useDashboard,
  waitForRunStatus,
  type DashboardSession,
} from "./dashboard-session.js";

/** The Analyst stops mid-answer (its reasoning and a few words out) until `sim.release`. */
const heldAnalyst = () =>
  dashboardAgents().map((agent) =>
    agent.id === ANALYST ? { ...agent, faults: [{ kind: "hold" as const, after_events: 14 }] } : agent,
  );

/** Every request the page makes for a run's event stream. */
function eventRequests(session: DashboardSession): Request[] {
  const seen: Request[] = [];
  session.page.on("request", (request) => {
    if (/\/v1\/runs\/[^/]+\/events/.test(request.url())) seen.push(request);
  });
  return seen;
}

/** Waits until the Analyst's column shows some answer text, then returns it. */
async function partialAnswer(session: DashboardSession): Promise<string> {
  const answer = column(session.page, ANALYST).locator(".answer");
  await answer.filter({ hasText: /\S/ }).waitFor();
  return (await answer.textContent()) ?? "";
}

describe.skipIf(noBrowser !== undefined)(browserSuite("dashboard: resuming"), () => {
  const dashboard = useDashboard();

  it("a reload mid-run picks up from the snapshot: the final text is whole and nothing repeats", async () => {
    const session = await dashboard.open(heldAnalyst());
    const { page, harness } = session;
    const message = "Keep going after a reload.";
    const runId = await send(page, "duo", message);
    const before = await partialAnswer(session);
    const whole = filled(ANALYST_ANSWER, message);
    expect(whole.startsWith(before) && before.length < whole.length).toBe(true);
    await column(page, POET).locator(".status", { hasText: "completed" }).waitFor();
    const requests = eventRequests(session);
    await page.reload();
    // The page rebuilt the run from GET /v1/runs/{id} and reads on from that snapshot's last_seq.
    await column(page, ANALYST).locator(".answer", { hasText: before }).waitFor();
    const lastSeq = (await snapshotOf(harness, runId)).last_seq;
    await waitFor(() => requests.length > 0, "the page reads the run's events again");
    expect(new URL(requests[0]?.url() ?? "").searchParams.get("after")).toBe(String(lastSeq));
    harness.sim.release(ANALYST);
    await waitForRunStatus(page, "completed");
    const snapshot = await snapshotOf(harness, runId);
    expect(await answers(page)).toEqual({
      [ANALYST]: filled(ANALYST_ANSWER, message),
      [POET]: snapshot.agents[POET]?.text,
    });
    expect(snapshot.agents[ANALYST]?.text).toBe(filled(ANALYST_ANSWER, message));
    expect(await column(page, ANALYST).locator(".reasoning-text").textContent()).toBe(
      snapshot.agents[ANALYST]?.reasoning,
    );
    expect(session.pageErrors).toEqual([]);
  });

  it("a dropped stream shows the reader's error, reconnects with Last-Event-ID and loses nothing", async () => {
    const session = await dashboard.open(heldAnalyst(), { sse: { retry_ms: 1_500 } });
    const { page, harness } = session;
    const message = "Survive a drop.";
    const requests = eventRequests(session);
    const runId = await send(page, "duo", message);
    await partialAnswer(session);
    // Only the held Analyst is left, so the log stands still while the stream is down.
    await column(page, POET).locator(".status", { hasText: "completed" }).waitFor();
    // Ends every open reader with an `event: error` frame (shutting_down) and a retry: hint.
    await harness.service.hub.disconnectAll(0);
    await page.locator(".run-notice", { hasText: "shutting_down" }).waitFor();
    await waitFor(() => requests.length === 2, "EventSource reconnected", 6_000);
    const lastSeq = (await snapshotOf(harness, runId)).last_seq;
    expect(await requests[1]?.headerValue("last-event-id")).toBe(String(lastSeq));
    await page.locator(".run-notice", { hasText: `resumed after event ${lastSeq}` }).waitFor();
    harness.sim.release(ANALYST);
    await waitForRunStatus(page, "completed");
    expect(await column(page, ANALYST).locator(".answer").textContent()).toBe(
      filled(ANALYST_ANSWER, message),
    );
    const snapshot = await snapshotOf(harness, runId);
    expect(await answers(page)).toEqual({
      [ANALYST]: snapshot.agents[ANALYST]?.text,
      [POET]: snapshot.agents[POET]?.text,
    });
    expect(session.pageErrors).toEqual([]);
  });

  it("lists runs live from the firehose and attaches to one from the list or by id", async () => {
    const session = await dashboard.open(heldAnalyst());
    const { page, harness } = session;
    await page.locator("#runs-live", { hasText: "live" }).waitFor();
    const started = await harness.post("/v1/runs", { message: "From elsewhere.", panel: "duo" });
    const { run_id: runId } = (await started.json()) as { run_id: string };
    const row = page.locator(`.run-row[data-run-id="${runId}"]`);
    await row.locator(".status", { hasText: "running" }).waitFor();
    await row.locator(".run-row-meta", { hasText: "1/2 done" }).waitFor();
    harness.sim.release(ANALYST);
    await row.locator(".status", { hasText: "completed" }).waitFor();
    await row.click();
    await waitForRunStatus(page, "completed");
    const snapshot = await snapshotOf(harness, runId);
    expect(await answers(page)).toEqual({
      [ANALYST]: snapshot.agents[ANALYST]?.text,
      [POET]: snapshot.agents[POET]?.text,
    });
    expect(await row.getAttribute("aria-current")).toBe("true");

    const other = await harness.post("/v1/runs", { message: "By id.", agent_ids: [POET] });
    const { run_id: otherId } = (await other.json()) as { run_id: string };
    await page.fill("#attach-id", otherId);
    await page.press("#attach-id", "Enter");
    await page.waitForURL(new RegExp(`#run=${otherId}$`));
    await waitForRunStatus(page, "completed");
    expect(Object.keys(await answers(page))).toEqual([POET]);
    await page.fill("#attach-id", "fr-does-not-exist");
    await page.press("#attach-id", "Enter");
    await page.locator(".run-notice", { hasText: "404 not_found" }).waitFor();
    expect(session.pageErrors).toEqual([]);
  });
});
