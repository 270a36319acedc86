import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSimulatorAgents, SimulatorConfigError } from "../../src/simulator/index.js";
import { defaultAgentsFile } from "../../src/cli/simulate.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-agents-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(text: string): Promise<SimulatorConfigError> {
  const file = join(dir, "agents.yaml");
  await writeFile(file, text);
  const error = await loadSimulatorAgents(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SimulatorConfigError);
  return error as SimulatorConfigError;
}

describe("loadSimulatorAgents", () => {
  it("loads the shipped demo agents: all tagged demo, unique fixed ids", async () => {
    const agents = await loadSimulatorAgents(defaultAgentsFile());
    expect(agents.length).toBeGreaterThanOrEqual(5);
    expect(agents.every((agent) => agent.tags.includes("demo"))).toBe(true);
    expect(new Set(agents.map((agent) => agent.id)).size).toBe(agents.length);
    expect(agents.some((agent) => agent.script?.some((item) => item.tool_call?.name === "web_search"))).toBe(
      true,
    );
    expect(agents.some((agent) => agent.faults.length > 0)).toBe(true);
  });

  it("names the file, the path and line of each bad field, and why", async () => {
    const error = await loadError(
      [
        "agents:",
        "  - id: agent-123",
        "    name: broken",
        "    speed: { tokens_per_second: -5, ttft: 10 }",
        "    script:",
        "      - { assistant: hi, reasoning: both }",
        "    faults:",
        "      - { kind: explode }",
        "",
      ].join("\n"),
    );
    expect(error.message).toContain(join(dir, "agents.yaml"));
    expect(error.problems).toEqual([
      { path: "agents[0].id", line: 2, reason: "must be agent-<uuid4> (lowercase hex, version-4 UUID)" },
      {
        path: "agents[0].script[0]",
        line: 6,
        reason: "each script item needs exactly one of `reasoning`, `assistant` or `tool_call`",
      },
      { path: "agents[0].speed.tokens_per_second", line: 4, reason: "Too small: expected number to be >=0" },
      { path: "agents[0].speed.ttft", line: 4, reason: "unknown field ttft" },
      {
        path: "agents[0].faults[0].kind",
        line: 8,
        reason: expect.stringContaining("Invalid discriminator value") as string,
      },
    ]);
    expect(error.message).toContain("  - agents[0].speed.ttft (line 4): unknown field ttft");
  });

  it("rejects duplicate ids and a fault mixing selectors", async () => {
    const id = "agent-0b1a6f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b";
    const error = await loadError(
      `agents:\n  - { id: ${id}, name: a, faults: [{ kind: drop, requests: [1], times: 2 }] }\n  - { id: ${id}, name: b }\n`,
    );
    expect(error.problems.map((problem) => [problem.path, problem.reason])).toEqual([
      ["agents[0].faults[0].requests", "use either `requests` or `from`/`times`, not both"],
      ["agents[1].id", "duplicate agent id (also used by agents[0])"],
    ]);
  });

  it("reports YAML syntax errors and missing files with the file name", async () => {
    const syntax = await loadError("agents: [ { id: \n");
    expect(syntax.message).toMatch(
      /^Invalid simulator agents file .*agents\.yaml:\n {2}- \(file\) \(line \d+\): /,
    );
    const missing = await loadSimulatorAgents(join(dir, "nope.yaml")).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(SimulatorConfigError);
    expect((missing as Error).message).toBe(
      `Invalid simulator agents file ${join(dir, "nope.yaml")}:\n  - (file): file not found`,
    );
  });
});
