import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultAgentsFile, parseSimulateArgs, runSimulator } from "../../src/cli/simulate.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { simJson } from "../helpers/sim-http.js";
import { waitFor } from "../helpers/wait-for.js";

describe("letta-fanout simulate", () => {
  it("defaults to Letta's port and the shipped demo agents", () => {
    const args = parseSimulateArgs([]);
    expect(args).toMatchObject({
      port: 8283,
      host: "127.0.0.1",
      pingIntervalMs: undefined,
      apiKey: undefined,
    });
    expect(args.agentsFile).toBe(defaultAgentsFile());
    expect(existsSync(args.agentsFile)).toBe(true);
    expect(args.agentsFile.endsWith("/config/simulator.yaml")).toBe(true);
  });

  it("parses every flag, in both --flag value and --flag=value forms", () => {
    expect(
      parseSimulateArgs([
        "--port=0",
        "--host",
        "0.0.0.0",
        "--agents",
        "a.yaml",
        "--ping-interval-ms",
        "50",
        "--api-key=k",
      ]),
    ).toEqual({
      port: 0,
      host: "0.0.0.0",
      agentsFile: "a.yaml",
      pingIntervalMs: 50,
      apiKey: "k",
      help: false,
      version: false,
    });
  });

  it.each([
    // The first three messages are node:util parseArgs's; they name the flag.
    [["--prot", "1"], /^Unknown option '--prot'/],
    [["--port"], /^Option '--port <value>' argument missing/],
    [["0"], /^Unexpected argument '0'/],
    [["--host="], /^--host needs a value$/],
    [["--port", "70000"], /^--port must be an integer from 0 to 65535, got "70000"$/],
    [
      ["--ping-interval-ms", "soon"],
      /^--ping-interval-ms must be an integer from 1 to 86400000, got "soon"$/,
    ],
  ])("rejects %j with a clear message", (args, message) => {
    expect(() => parseSimulateArgs(args)).toThrow(UsageError);
    expect(() => parseSimulateArgs(args)).toThrow(message);
  });

  it("serves the demo agents, prints where and which, and stops when told", async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const running = runSimulator(
      { ...parseSimulateArgs(["--port", "0", "--api-key", "cli-secret"]) },
      { signal: controller.signal, log: (line) => lines.push(line) },
    );
    const first = await waitFor(() => lines[0], "the listening line");
    const match = /^Letta simulator listening on (http:\/\/127\.0\.0\.1:\d+) \((\d+) agents\)$/.exec(first);
    expect(match).not.toBeNull();
    const url = match?.[1] ?? "";
    const agents = await simJson(`${url}/v1/agents/?tags=demo`, undefined, {
      authorization: "Bearer cli-secret",
    });
    expect((agents.body as unknown[]).length).toBe(Number(match?.[2]));
    expect(
      lines
        .slice(1, 1 + Number(match?.[2]))
        .every((line) => /^ {2}agent-[0-9a-f-]{36} {2}.+ {2}\[demo/.test(line)),
    ).toBe(true);
    expect(lines.join("\n")).not.toContain("cli-secret");
    controller.abort();
    await running;
    expect(lines.at(-1)).toBe("Letta simulator stopped.");
    await expect(fetch(`${url}/v1/health/`)).rejects.toThrow();
  });
});
