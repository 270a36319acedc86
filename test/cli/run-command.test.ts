import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { FanoutEvent } from "../../src/protocol/events.js";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { MAIN, runCli } from "../helpers/run-node.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Runs the real binary (built by test/global-setup.ts) with piped, non-TTY output. */
function cli(args: string[], onStart?: (child: ChildProcess) => void) {
  return runCli(args, {
    env: { ...process.env, FANOUT_URL: "", FANOUT_TOKEN: "" },
    ...(onStart ? { onStart } : {}),
  });
}

describe("letta-fanout run", () => {
  it("prints plain progress lines and every answer whole, exit 0 when all agents completed", async () => {
    harness = await startHarness([scripted(1, "First answer."), scripted(2, "Second\nanswer.")], {
      panels: {
        pair: {
          agents: [
            { id: agentId(1), label: "One" },
            { id: agentId(2), label: "Two" },
          ],
        },
      },
    });
    const result = await cli(["run", "--url", harness.url, "--panel", "pair", "hello there"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\x1b[");
    expect(result.stdout).toContain("One: started (attempt 1)");
    expect(result.stdout).toMatch(/One: completed · 13 chars/);
    expect(result.stdout).toContain("── One [completed]\nFirst answer.\n");
    expect(result.stdout).toContain("── Two [completed]\nSecond\nanswer.\n");
    expect(result.stdout).toMatch(/run fr-[0-9a-f-]+: completed\n$/);
  });

  it("exits 1 when an agent failed, and names the failure", async () => {
    harness = await startHarness([scripted(1, "Fine.")]);
    const result = await cli([
      "run",
      "--url",
      harness.url,
      "--agent",
      agentId(1),
      "--agent",
      agentId(2),
      "hi",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("agent_not_found");
    expect(result.stdout).toContain("partial");
  });

  it("--json prints exactly the run's events as NDJSON", async () => {
    harness = await startHarness([scripted(1, "Json answer.")]);
    const result = await cli(["run", "--json", "--url", harness.url, "--agent", agentId(1), "hi"]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as FanoutEvent);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.type).toBe("run.started");
    expect(events.at(-1)?.type).toBe("run.completed");
    const snapshot = (await (await fetch(`${harness.url}/v1/runs/${events[0]?.run_id ?? ""}`)).json()) as {
      agents: Record<string, { text: string }>;
    };
    const text = events.map((event) => (event.type === "agent.delta" ? event.text : "")).join("");
    expect(text).toBe(snapshot.agents[agentId(1)]?.text);
    expect(text).toBe("Json answer.");
  });

  it("Ctrl-C cancels the run at Letta and exits 130", async () => {
    harness = await startHarness([
      scripted(1, "Never finished.", { faults: [{ kind: "hold", after_events: 1 }] }),
    ]);
    const h = harness;
    const result = await cli(["run", "--url", h.url, "--agent", agentId(1), "hi"], (child) => {
      void waitFor(() => h.sim.record.openStreams() === 1, "stream open").then(() => child.kill("SIGINT"));
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("Cancelling the run");
    await waitFor(() => h.sim.record.openStreams() === 0, "upstream closed");
    expect(h.sim.record.requests(agentId(1)).filter((request) => request.kind === "cancel")).toHaveLength(1);
    expect(result.stdout).toContain("[cancelled]");
  });

  it.skipIf(!existsSync("/usr/bin/script"))(
    "in a terminal, redraws one live line per agent, then the answers",
    async () => {
      harness = await startHarness([scripted(1, "Terminal answer.", { speed: { tokens_per_second: 40 } })]);
      const command = `${process.execPath} ${MAIN} run --url ${harness.url} --agent ${agentId(1)} hi`;
      // util-linux `script` gives the binary a pseudo-terminal, so it takes its TTY path.
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn("/usr/bin/script", ["-qec", command, "/dev/null"], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("close", (code) => resolve({ code, out }));
      });
      expect(result.code).toBe(0);
      expect(result.out).toContain("\x1b[2K");
      expect(result.out).toMatch(/completed · 16 chars/);
      expect(result.out).toContain("Terminal answer.");
    },
  );

  it("explains usage mistakes and an unreachable service", async () => {
    const usage = await cli(["run", "hi"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Give either --panel NAME or one or more --agent ID.");
    const down = await cli(["run", "--url", "http://127.0.0.1:9", "--panel", "demo", "hi"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("Could not reach letta-fanout at http://127.0.0.1:9");
  });
});
