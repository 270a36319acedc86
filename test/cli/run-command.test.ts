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
    expect(usage.stderr).toContain(
      "Give either --panel NAME or one or more --agent ID (or --follow-up RUN_ID).",
    );
    const down = await cli(["run", "--url", "http://127.0.0.1:9", "--panel", "demo", "hi"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("Could not reach letta-fanout at http://127.0.0.1:9");
  });
});

describe("letta-fanout run --follow-up and --conversation", () => {
  const echo = (n: number) => scripted(n, "You said: {{message}}");
  const AGENTS = [agentId(1), agentId(2)];
  const PANEL = {
    panels: {
      pair: {
        agents: [
          { id: agentId(1), label: "One" },
          { id: agentId(2), label: "Two" },
        ],
      },
    },
  };
  const lastRunId = (stdout: string) => /run (fr-[0-9a-f-]+): \w+\n$/.exec(stdout)?.[1] ?? "";
  type Snapshot = {
    follow_ups?: string[];
    parent_run_id?: string;
    options: Record<string, unknown>;
    agents: Record<string, { text: string; conversation_id?: string }>;
  };
  const snapshotOf = async (runId: string) =>
    (await (await fetch(`${harness?.url ?? ""}/v1/runs/${runId}`)).json()) as Snapshot;

  it("--conversation new asks in fresh conversations; --follow-up asks the same agents again there", async () => {
    harness = await startHarness([echo(1), echo(2)], PANEL);
    const h = harness;
    const first = await cli([
      "run",
      "--url",
      h.url,
      "--panel",
      "pair",
      "--conversation",
      "new",
      "first question",
    ]);
    expect(first.code).toBe(0);
    const parentId = lastRunId(first.stdout);
    const parent = await snapshotOf(parentId);
    expect(parent.options).toMatchObject({ conversation: "new" });

    const second = await cli(["run", "--url", h.url, "--follow-up", parentId, "now compare your answers"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
    const childId = lastRunId(second.stdout);
    expect(childId).toMatch(/^fr-/);
    expect(childId).not.toBe(parentId);
    expect(second.stdout).toContain(`run ${childId}: 2 agents, following up run ${parentId}\n`);
    expect(second.stdout).toContain("── One [completed]\nYou said: now compare your answers\n");
    expect(second.stdout).toContain("── Two [completed]\nYou said: now compare your answers\n");
    expect(second.stdout).toMatch(new RegExp(`run ${childId}: completed\\n$`));

    expect((await snapshotOf(parentId)).follow_ups).toEqual([childId]);
    const child = await snapshotOf(childId);
    expect(child.parent_run_id).toBe(parentId);
    for (const id of AGENTS) {
      // The same fresh conversation as the parent's, holding both questions at "Letta".
      const conversationId = parent.agents[id]?.conversation_id ?? "";
      expect(conversationId).toMatch(/^conv-/);
      expect(child.agents[id]?.conversation_id).toBe(conversationId);
      const messages = h.sim.record.conversationMessages(conversationId, id);
      expect(messages.map((message) => message.text)).toEqual(["first question", "now compare your answers"]);
    }
  });

  it("--follow-up --json prints exactly the follow-up's events; an unknown run exits 1 with not_found", async () => {
    harness = await startHarness([echo(1)]);
    const first = await cli(["run", "--url", harness.url, "--agent", agentId(1), "first"]);
    expect(first.code).toBe(0);
    const parentId = lastRunId(first.stdout);
    const result = await cli(["run", "--json", "--url", harness.url, "--follow-up", parentId, "second"]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as FanoutEvent);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({
      type: "run.started",
      parent_run_id: parentId,
      agents: [{ agent_id: agentId(1), conversation_id: "default" }],
    });
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    const text = events.map((event) => (event.type === "agent.delta" ? event.text : "")).join("");
    expect(text).toBe("You said: second");

    const unknown = await cli(["run", "--url", harness.url, "--follow-up", "fr-nope", "hello?"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/^error \(not_found\): .*fr-nope/);
  });

  it("refuses --follow-up with --panel, --agent or --conversation, and a bad --conversation, with exit 2", async () => {
    const cases: [string[], string][] = [
      [
        ["--follow-up", "fr-1", "--panel", "pair", "hi"],
        "--follow-up asks the agents of that run again: give no --panel or --agent with it.",
      ],
      [
        ["--follow-up", "fr-1", "--agent", agentId(1), "hi"],
        "--follow-up asks the agents of that run again: give no --panel or --agent with it.",
      ],
      [
        ["--follow-up", "fr-1", "--conversation", "new", "hi"],
        "--follow-up keeps the run's conversations: give no --conversation with it.",
      ],
      [
        ["--panel", "pair", "--conversation", "conv-1", "hi"],
        '--conversation takes agent or new, not "conv-1".',
      ],
      [["hi", "--follow-up"], "'--follow-up <value>' argument missing"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(["run", "--url", "http://127.0.0.1:9", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain("Usage: letta-fanout run");
      expect(result.stdout).toBe("");
    }
    const help = await cli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('letta-fanout run --follow-up RUN_ID [options] "message"');
    expect(help.stdout).toMatch(
      /^ {2}--follow-up RUN_ID {5}follow up run RUN_ID: the same agents, in the same conversations$/m,
    );
    expect(help.stdout).toMatch(
      /^ {2}--conversation MODE {4}agent: each agent's own conversation \(default\); new: a fresh one$/m,
    );
  });
});
