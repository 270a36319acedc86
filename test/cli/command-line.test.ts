import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "../helpers/run-node.js";

const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
  version: string;
};

// A command that answers its command line exits by itself well within this; one that starts a
// server instead runs until killed, and the test fails on `timedOut` rather than hanging.
const deadlineMs = 10_000;

describe("letta-fanout command line", () => {
  it("serve --help prints serve's usage and exits 0 without starting the service", async () => {
    const result = await runCli(["serve", "--help"], { deadlineMs });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: letta-fanout serve \[options\]\n/);
    expect(result.stdout).toContain("--config FILE");
    expect(result.stdout).not.toContain("listening");
    expect(result.stderr).toBe("");
  });

  it("simulate -h prints simulate's usage and exits 0 without listening", async () => {
    const result = await runCli(["simulate", "-h"], { deadlineMs });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: letta-fanout simulate \[options\]\n/);
    expect(result.stdout).not.toContain("listening");
    expect(result.stderr).toBe("");
  });

  it("serve --bogus exits 2, naming the flag, with serve's usage on stderr", async () => {
    const result = await runCli(["serve", "--bogus"], { deadlineMs });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^letta-fanout serve: Unknown option '--bogus'/);
    expect(result.stderr).toContain("Usage: letta-fanout serve");
    expect(result.stdout).toBe("");
  });

  it("run --panel without its value exits 2, naming the flag, with run's usage on stderr", async () => {
    const result = await runCli(["run", "--panel"], { deadlineMs });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^letta-fanout run: .*'--panel <value>'.* missing/);
    expect(result.stderr).toContain("Usage: letta-fanout run");
    expect(result.stdout).toBe("");
  });

  it.each([["--version"], ["-v"], ["serve", "--version"], ["simulate", "-v"], ["run", "--version"]])(
    "%j prints package.json's version and exits 0",
    async (...args) => {
      const result = await runCli(args, { deadlineMs });
      expect(result).toEqual({ code: 0, stdout: `letta-fanout ${version}\n`, stderr: "", timedOut: false });
    },
  );

  it("--help lists the commands; an unknown command or flag before one exits 2", async () => {
    const help = await runCli(["--help"], { deadlineMs });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: letta-fanout \[command\] \[options\]\n/);
    for (const command of ["serve", "simulate", "run"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const command = await runCli(["srve"], { deadlineMs });
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^letta-fanout: unknown command "srve"\n\nUsage: letta-fanout/);
    const flag = await runCli(["--config", "x.yaml"], { deadlineMs });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^letta-fanout: Unknown option '--config'/);
  });
});
