import Letta from "@letta-ai/letta-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  generateProse,
  startSimulator,
  type SimAgentSpec,
  type Simulator,
} from "../../src/simulator/index.js";
import { simAgentId } from "../helpers/sim-agent-id.js";

const opened: Simulator[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sim) => sim.close()));
});

// Everything but the ids and dates, which are fresh on every run.
const VOLATILE = new Set(["id", "date", "otid", "step_id", "run_id", "tool_call_id"]);
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !VOLATILE.has(key))
      .map(([key, item]) => [key, stable(item)]),
  );
}

async function run(spec: SimAgentSpec): Promise<unknown[]> {
  const sim = await startSimulator({ agents: [spec] });
  opened.push(sim);
  const client = new Letta({ baseURL: sim.url, apiKey: "test-key" });
  const stream = await client.agents.messages.create(spec.id, {
    input: "tell me a story",
    streaming: true,
    stream_tokens: true,
  });
  const events: unknown[] = [];
  for await (const event of stream) events.push(stable(event));
  return events;
}

function storyteller(seed: number): SimAgentSpec {
  return {
    id: simAgentId(),
    name: "storyteller",
    script: [{ reasoning: "A story about {{message}}." }],
    generate: { chars: 2_000, seed },
    speed: { chunk_tokens: 3 },
  };
}

describe("determinism", () => {
  it("gives identical events for the same seed, ids and dates aside", async () => {
    const first = await run(storyteller(7));
    const second = await run(storyteller(7));
    expect(first.length).toBeGreaterThan(100);
    expect(second).toEqual(first);
  });

  it("gives different text for a different seed", async () => {
    expect(await run(storyteller(8))).not.toEqual(await run(storyteller(7)));
  });

  it("generates exactly the requested number of characters, the same every time", () => {
    for (const chars of [1, 17, 999, 5_000]) {
      const text = generateProse(chars, 42);
      expect(text).toHaveLength(chars);
      expect(generateProse(chars, 42)).toBe(text);
    }
    expect(generateProse(500, 1)).not.toBe(generateProse(500, 2));
  });
});
