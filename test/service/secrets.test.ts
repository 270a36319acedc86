import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { API_KEY, startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents } from "../helpers/sse-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { openWs, terminateAllWs } from "../helpers/ws-client.js";

// Letta (or a proxy) echoing the API key in its error text must not make the key, or an access
// token, leave the service: every byte the service sends or logs during such a run is scanned.

const TOKEN = "fanout-access-token-7d1e";
const auth = { authorization: `Bearer ${TOKEN}` };

let harness: Harness | undefined;
afterEach(async () => {
  terminateAllWs();
  await harness?.close();
  harness = undefined;
});

/** A secret, or any bearer credential other than the redacted placeholder. */
function leaks(text: string): string[] {
  const found = [API_KEY, TOKEN].filter((secret) => text.includes(secret));
  const bearers = text.match(/Bearer\s+(?!\[redacted\])\S+/g) ?? [];
  return [...found, ...bearers];
}

/** Reads a response body as text until `until` holds for what has arrived, then lets go. */
async function readUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  if (!response.body) throw new Error("no body");
  const decoder = new TextDecoder();
  let text = "";
  const reader = response.body.getReader();
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("secrets echoed by Letta never leave the service", () => {
  it("scans events, readers, snapshots, WebSocket frames, probes and logs during a run with echoing faults", async () => {
    harness = await startHarness(
      [
        scripted(1, "never", { faults: [{ kind: "status", status: 401, echo_authorization: true }] }),
        scripted(2, "never", {
          faults: [{ kind: "status", status: 500, echo_authorization: true, times: "always" }],
        }),
        scripted(3, "Some words before it breaks.", {
          faults: [{ kind: "error", after_events: 2, echo_authorization: true }],
        }),
        scripted(4, "A clean answer."),
      ],
      { auth: { tokens: [TOKEN] } },
    );
    const h = harness;
    const ids = [1, 2, 3, 4].map(agentId);
    const firehose = fetch(`${h.url}/v1/events`, { headers: auth });
    const ws = await openWs(h.url, { token: TOKEN });
    const firehoseResponse = await firehose;

    const own = await fetch(`${h.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...auth },
      body: JSON.stringify({
        message: "go",
        agent_ids: ids,
        options: { agent_defaults: { retry: { initial_delay_ms: 1, max_delay_ms: 2 } } },
      }),
    });
    const runId = own.headers.get("x-run-id") ?? "";
    ws.send({ type: "subscribe", run_id: runId });
    const ownText = await own.text();
    const events = await readEvents(
      new Response(ownText, { headers: { "content-type": "text/event-stream" } }),
    );

    const sent: Record<string, string> = {
      own: ownText,
      reader: await (await fetch(`${h.url}/v1/runs/${runId}/events`, { headers: auth })).text(),
      query_reader: await (await fetch(`${h.url}/v1/runs/${runId}/events?access_token=${TOKEN}`)).text(),
      snapshot: await (await fetch(`${h.url}/v1/runs/${runId}`, { headers: auth })).text(),
      list: await (await fetch(`${h.url}/v1/runs`, { headers: auth })).text(),
      firehose: await readUntil(firehoseResponse, (text) => text.includes("run.completed")),
      readyz: await (await fetch(`${h.url}/readyz`)).text(),
      metrics: await (await fetch(`${h.url}/metrics`)).text(),
    };
    await ws.completed(runId);
    sent.ws = ws.texts.join("\n");
    sent.logs = h.logs.join("\n");

    for (const [where, text] of Object.entries(sent))
      expect({ where, leaks: leaks(text) }).toEqual({ where, leaks: [] });

    // The faults did echo the key, and what reached users says it was redacted.
    const completed = Object.fromEntries(
      ofType(events, "agent.completed").map((event) => [event.agent_id, event]),
    );
    expect(completed[ids[0] ?? ""]).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(completed[ids[0] ?? ""]?.error?.message).toContain("Authorization: Bearer [redacted]");
    expect(completed[ids[1] ?? ""]).toMatchObject({
      status: "failed",
      error: { code: "upstream_unavailable" },
    });
    expect(completed[ids[1] ?? ""]?.error?.message).toContain("[redacted]");
    expect(completed[ids[2] ?? ""]).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(completed[ids[2] ?? ""]?.error?.message).toContain("[redacted]");
    expect(completed[ids[3] ?? ""]?.status).toBe("completed");
    expect(h.sim.record.requests(ids[1])).toHaveLength(3);
  });

  it("keeps the key out of a 401 that quotes it, for agents and for a panel chosen by tags", async () => {
    harness = await startHarness(
      [scripted(1, "never", { tags: ["team"] })],
      { panels: { team: { agents: [{ tags: ["team"] }] } } },
      { apiKey: "the-key-letta-expects", echoUnauthorized: true },
    );
    const h = harness;
    const tagged = await h.post("/v1/panels/team/runs", { message: "hi" });
    expect(tagged.status).toBe(502);
    const taggedText = await tagged.text();
    expect(taggedText).toContain("[redacted]");

    const events = await readEvents(await h.stream({ message: "hi", agent_ids: [agentId(1)] }));
    const completed = ofType(events, "agent.completed")[0];
    expect(completed).toMatchObject({ status: "failed", error: { code: "upstream_error" } });
    expect(completed?.error?.message).toContain("Check the Letta API key");
    const snapshot = await (await fetch(`${h.url}/v1/runs/${events[0]?.run_id ?? ""}`)).text();
    await waitFor(() => h.sim.record.requests().length >= 2, "Letta saw the requests");
    for (const text of [taggedText, JSON.stringify(events), snapshot, h.logs.join("\n")]) {
      expect(leaks(text)).toEqual([]);
    }
  });
});
