import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { rawRequest } from "../helpers/sim-raw-sse.js";
import { researcherSpec } from "../helpers/sim-fixtures.js";
import { comparable, cutAt, everySplit, oursOutcome, responseOf, sdkOutcome } from "./sse-differential.js";
import { cuts } from "./sse-streams.js";

// The differential test on realistic bodies: what the simulator writes as Letta does (letta-wire
// §2, and its framing, error and malformed faults), cut at every byte, byte by byte and at random,
// decoded by the SDK's Stream and by decodeLettaStream: the same messages, the same error.

const unbounded = { maxEventBytes: Number.POSITIVE_INFINITY, scrub: (text: string) => text };

const unicode: SimAgentSpec["script"] = [
  { reasoning: "Pensons à {{message}} : naïve café, 中文, 😀🧪." },
  { assistant: "Voilà ✓ — 日本語のテキスト, emoji 👩‍👩‍👧 and é at the end é" },
];

const BODIES: Record<string, { agent: Partial<SimAgentSpec>; tokens: boolean }> = {
  "steps (researcher)": { agent: {}, tokens: false },
  "tokens (researcher)": { agent: {}, tokens: true },
  "tokens, multi-byte text": { agent: { script: unicode }, tokens: true },
  "mid-stream error": {
    agent: { script: unicode, faults: [{ kind: "error", after_events: 2, message: "LLM down ✗" }] },
    tokens: true,
  },
  "malformed event": { agent: { faults: [{ kind: "malformed", after_events: 2 }] }, tokens: false },
  "CRLF framing": {
    agent: { script: unicode, faults: [{ kind: "framing", line_ending: "crlf" }] },
    tokens: true,
  },
  "CR framing": {
    agent: { script: unicode, faults: [{ kind: "framing", line_ending: "cr" }] },
    tokens: true,
  },
  "mixed framing": {
    agent: { script: unicode, faults: [{ kind: "framing", line_ending: "mixed" }] },
    tokens: true,
  },
};

let sim: Simulator | undefined;
const bodies = new Map<string, Buffer>();

beforeAll(async () => {
  const specs = Object.fromEntries(
    Object.entries(BODIES).map(([name, { agent }]) => [name, researcherSpec(agent)]),
  );
  sim = await startSimulator({ agents: Object.values(specs) });
  for (const [name, { tokens }] of Object.entries(BODIES)) {
    const response = await rawRequest(`${sim.url}/v1/agents/${specs[name]?.id}/messages`, {
      body: { messages: [{ role: "user", content: "hi ✓" }], streaming: true, stream_tokens: tokens },
    });
    await response.finished;
    bodies.set(name, Buffer.from(response.text()));
  }
});

afterAll(async () => {
  await sim?.close();
});

describe("decodeLettaStream on the simulator's Letta bodies", () => {
  for (const name of Object.keys(BODIES)) {
    it(`yields what the SDK yields for ${name}, however the body is cut`, async () => {
      const bytes = bodies.get(name) ?? Buffer.alloc(0);
      const expected = comparable(await sdkOutcome(responseOf([bytes])));
      const { messages } = expected as { messages: unknown[] };
      expect(messages.length).toBeGreaterThanOrEqual(3);
      for (const chunks of everySplit(bytes)) {
        expect(comparable(await oursOutcome(responseOf(chunks), unbounded))).toEqual(expected);
      }
      await fc.assert(
        fc.asyncProperty(cuts, async (cutPoints) => {
          const chunks = cutAt(bytes, cutPoints);
          expect(comparable(await oursOutcome(responseOf(chunks), unbounded))).toEqual(expected);
          expect(comparable(await sdkOutcome(responseOf(chunks)))).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    });
  }

  it("ends as the SDK does: [DONE], an error event, invalid JSON", async () => {
    const outcome = async (name: string) =>
      comparable(await oursOutcome(responseOf([bodies.get(name) ?? Buffer.alloc(0)]), unbounded)) as {
        error?: { class: string; message: string };
      };
    expect((await outcome("tokens (researcher)")).error).toBeUndefined();
    expect((await outcome("mid-stream error")).error).toMatchObject({
      class: "APIError",
      message: "LLM down ✗",
    });
    expect((await outcome("malformed event")).error).toMatchObject({ class: "SyntaxError" });
  });
});
