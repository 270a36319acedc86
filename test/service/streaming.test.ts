import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { ofType, readEvents, reassemble } from "../helpers/sse-client.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The invariants every run log keeps (API.md §3 Guarantees). */
function expectWellFormed(events: FanoutEvent[], agents: string[]) {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events[0]?.type).toBe("run.started");
  expect(events.at(-1)?.type).toBe("run.completed");
  for (const id of agents) {
    const own = events.filter((event) => "agent_id" in event && event.agent_id === id);
    expect(ofType(own, "agent.completed")).toHaveLength(1);
    expect(own.at(-1)?.type).toBe("agent.completed");
  }
}

describe("POST /v1/runs streaming", () => {
  it("streams every agent's answer, reassembled exactly, with gapless seq and one completion each", async () => {
    const answers = [
      "The first answer, with several words.",
      "Second: short.",
      "Third agent speaks at length here.",
    ];
    harness = await startHarness(answers.map((answer, index) => scripted(index + 1, answer)));
    const agents = answers.map((_, index) => agentId(index + 1));
    const response = await harness.stream({ message: "hello", agent_ids: agents });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const runId = response.headers.get("x-run-id");
    const events = await readEvents(response);
    expectWellFormed(events, agents);
    expect(events.every((event) => event.run_id === runId)).toBe(true);
    expect(reassemble(events)).toEqual(Object.fromEntries(agents.map((id, index) => [id, answers[index]])));
    const final = ofType(events, "run.completed")[0];
    expect(final?.status).toBe("completed");
    expect(final?.agents).toEqual(Object.fromEntries(agents.map((id) => [id, "completed"])));
    // More than one delta per agent: token mode really streamed.
    expect(
      ofType(events, "agent.delta").filter((event) => event.agent_id === agents[0]).length,
    ).toBeGreaterThan(3);
  });

  it("carries reasoning, tool calls and tool results, in step mode as whole messages", async () => {
    harness = await startHarness([
      {
        id: agentId(1),
        name: "researcher",
        script: [
          { reasoning: "I should search first." },
          { tool_call: { name: "web_search", arguments: { query: "{{message}}" }, result: "3 results" } },
          { reasoning: "Now answer." },
          { assistant: "Found it: {{message}}." },
        ],
      },
    ]);
    for (const stream_tokens of [true, false]) {
      const response = await harness.stream({
        message: "otters",
        agent_ids: [agentId(1)],
        options: { agent_defaults: { stream_tokens } },
      });
      const events = await readEvents(response);
      expectWellFormed(events, [agentId(1)]);
      expect(reassemble(events)[agentId(1)]).toBe("Found it: otters.");
      expect(reassemble(events, "reasoning")[agentId(1)]).toBe("I should search first.Now answer.");
      const calls = ofType(events, "agent.tool_call");
      expect(calls.map((call) => call.arguments_delta).join("")).toBe(JSON.stringify({ query: "otters" }));
      expect(calls[0]?.name).toBe("web_search");
      expect(ofType(events, "agent.tool_result")).toMatchObject([
        { tool_call_id: calls[0]?.tool_call_id, status: "success", result: "3 results" },
      ]);
      const deltas = ofType(events, "agent.delta").length;
      if (stream_tokens) expect(deltas).toBeGreaterThan(4);
      else expect(deltas).toBe(3);
      expect(ofType(events, "agent.usage")).toHaveLength(1);
    }
  });

  it("answers 202 without an event-stream Accept, and the run stays readable with the same text", async () => {
    harness = await startHarness([scripted(1, "Background answer.")]);
    const response = await harness.post("/v1/runs", { message: "hi", agent_ids: [agentId(1)] });
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      run_id: string;
      status: string;
      agents: string[];
      events_url: string;
    };
    expect(body).toEqual({
      run_id: body.run_id,
      status: "running",
      agents: [agentId(1)],
      events_url: `/v1/runs/${body.run_id}/events`,
    });
    const events = await readEvents(await fetch(`${harness.url}${body.events_url}`));
    expect(reassemble(events)[agentId(1)]).toBe("Background answer.");
    const snapshot = (await (await fetch(`${harness.url}/v1/runs/${body.run_id}`)).json()) as {
      status: string;
      agents: Record<string, { text: string; status: string; attempts: number }>;
    };
    expect(snapshot.status).toBe("completed");
    expect(snapshot.agents[agentId(1)]).toMatchObject({
      text: "Background answer.",
      status: "completed",
      attempts: 1,
    });
  });

  it("makes exactly one upstream message request per agent, through the official SDK", async () => {
    harness = await startHarness([scripted(1, "One."), scripted(2, "Two.")]);
    await readEvents(await harness.stream({ message: "count", agent_ids: [agentId(1), agentId(2)] }));
    for (const id of [agentId(1), agentId(2)]) {
      const requests = harness.sim.record.requests(id).filter((request) => request.kind === "message");
      expect(requests).toHaveLength(1);
      // Through the conversation endpoint (the agent's own conversation), with an otid (API.md §4).
      expect(requests[0]?.path).toBe("/v1/conversations/default/messages");
      expect(requests[0]?.body).toMatchObject({
        agent_id: id,
        messages: [{ role: "user", content: "count" }],
        streaming: true,
        stream_tokens: true,
      });
      const [sent] = (requests[0]?.body as { messages: { otid: string }[] }).messages;
      expect(sent?.otid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
