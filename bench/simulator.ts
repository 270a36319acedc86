/**
 * Benchmark of the Letta simulator itself: how many SSE events per second it writes and how much
 * CPU each costs it. The simulator runs in a child process, so its CPU figure (process.cpuUsage,
 * user + system) is its own; this process is a lean raw `node:http` reader that only counts frames.
 *
 *   npm run build && node dist/bench/simulator.js [--seconds 10] [--agents 1000]
 *
 * Scenarios: (a) one agent as fast as possible (tokens_per_second 0), token streaming;
 * (b) many agents at 50 tokens/s each, read concurrently for a fixed time.
 */
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { startSimulator, type SimAgentSpec, type Simulator } from "../src/simulator/index.js";

type ToChild = { type: "start"; agents: SimAgentSpec[] } | { type: "cpu" } | { type: "stop" };
type FromChild =
  { type: "started"; url: string } | { type: "cpu"; user: number; system: number; events: number };

function agentId(n: number): string {
  return `agent-00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

// ---- child: the simulator under test ----------------------------------------------------------

function child(): void {
  let sim: Simulator | undefined;
  const send = (message: FromChild): void => void process.send?.(message);
  process.on("message", (message: ToChild) => {
    void (async () => {
      if (message.type === "start") {
        sim = await startSimulator({ agents: message.agents, pingIntervalMs: 20_000 });
        send({ type: "started", url: sim.url });
      } else if (message.type === "cpu") {
        const usage = process.cpuUsage();
        const events = sim?.record.streams().reduce((sum, stream) => sum + stream.eventsWritten, 0) ?? 0;
        send({ type: "cpu", user: usage.user, system: usage.system, events });
      } else {
        await sim?.close();
        process.disconnect(); // Nothing else keeps the process alive: it exits.
      }
    })();
  });
}

// ---- parent: the load and the report ----------------------------------------------------------

interface Child {
  ask(message: ToChild): Promise<FromChild>;
  /** Asks the child to close the simulator and exit; resolves when it has. */
  stop(): Promise<void>;
}

function startChild(): Child {
  const proc = fork(fileURLToPath(import.meta.url), ["--child"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // --profile: write a CPU profile of the simulator to bench/results/profiles/.
    execArgv: process.argv.includes("--profile")
      ? ["--cpu-prof", "--cpu-prof-dir=bench/results/profiles"]
      : [],
  });
  return {
    ask: (message) =>
      new Promise((resolve) => {
        proc.once("message", (reply: FromChild) => resolve(reply));
        proc.send(message);
      }),
    stop: () =>
      new Promise((resolve) => {
        proc.once("exit", () => resolve());
        proc.send({ type: "stop" } satisfies ToChild);
      }),
  };
}

/** Counts SSE frames (blank-line boundaries) in a byte stream without decoding it. */
class FrameCounter {
  frames = 0;
  private lastWasNewline = false;

  add(chunk: Buffer): void {
    let index = chunk.indexOf(10);
    if (index === 0 && this.lastWasNewline) this.frames++;
    while (index >= 0) {
      if (chunk[index + 1] === 10) this.frames++;
      index = chunk.indexOf(10, index + 1);
    }
    this.lastWasNewline = chunk[chunk.length - 1] === 10;
  }
}

function openStream(url: string, id: string, agent: Agent, counter: FrameCounter): Promise<"end" | "closed"> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ input: "benchmark", streaming: true, stream_tokens: true });
    const req = request(`${url}/v1/agents/${id}/messages`, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (response) => {
      response.on("data", (chunk: Buffer) => counter.add(chunk));
      response.on("end", () => resolve("end"));
      response.on("close", () => resolve("closed"));
    });
    req.on("error", () => resolve("closed"));
    req.end(body);
  });
}

interface Row {
  readonly scenario: string;
  readonly events: number;
  readonly seconds: number;
  readonly userMicros: number;
  readonly systemMicros: number;
}

async function measure(
  child: Child,
  run: () => Promise<number>,
): Promise<{ events: number; seconds: number; userMicros: number; systemMicros: number }> {
  const before = (await child.ask({ type: "cpu" })) as Extract<FromChild, { type: "cpu" }>;
  const started = performance.now();
  const events = await run();
  const seconds = (performance.now() - started) / 1000;
  const after = (await child.ask({ type: "cpu" })) as Extract<FromChild, { type: "cpu" }>;
  return {
    events,
    seconds,
    userMicros: after.user - before.user,
    systemMicros: after.system - before.system,
  };
}

async function fullSpeed(): Promise<Row> {
  const child = startChild();
  const agents: SimAgentSpec[] = [
    { id: agentId(1), name: "firehose", script: [], generate: { chars: 3_000_000, seed: 1 } },
  ];
  const { url } = (await child.ask({ type: "start", agents })) as Extract<FromChild, { type: "started" }>;
  const agent = new Agent({ keepAlive: true });
  await openStream(url, agentId(1), agent, new FrameCounter()); // warm-up
  const counter = new FrameCounter();
  const result = await measure(child, async () => {
    await openStream(url, agentId(1), agent, counter);
    return counter.frames;
  });
  agent.destroy();
  await child.stop();
  return { scenario: "(a) 1 agent, full speed, token mode", ...result };
}

async function manyAgents(count: number, seconds: number): Promise<Row> {
  const child = startChild();
  const rate = 50;
  // Enough text to keep every agent talking for the whole window (about 6 characters per token).
  const chars = Math.ceil(rate * (seconds + 5) * 6.5);
  const agents: SimAgentSpec[] = Array.from({ length: count }, (_, index) => ({
    id: agentId(index + 1),
    name: `agent ${index + 1}`,
    script: [],
    generate: { chars, seed: index + 1 },
    speed: { tokens_per_second: rate },
  }));
  const { url } = (await child.ask({ type: "start", agents })) as Extract<FromChild, { type: "started" }>;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const counter = new FrameCounter();
  const streams = agents.map((spec) => openStream(url, spec.id, agent, counter));
  // Let every stream open before the window starts.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const result = await measure(child, async () => {
    const start = counter.frames;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return counter.frames - start;
  });
  agent.destroy();
  await Promise.all(streams);
  await child.stop();
  return { scenario: `(b) ${count} agents x ${rate} tokens/s, ${seconds} s window`, ...result };
}

function table(rows: readonly Row[]): string {
  const header = [
    "scenario",
    "events",
    "seconds",
    "events/s",
    "sim CPU us/event",
    "(user + sys)",
    "sim CPU %",
  ];
  const lines = rows.map((row) => {
    const cpu = row.userMicros + row.systemMicros;
    return [
      row.scenario,
      String(row.events),
      row.seconds.toFixed(2),
      Math.round(row.events / row.seconds).toLocaleString("en-US"),
      (cpu / row.events).toFixed(2),
      `${(row.userMicros / row.events).toFixed(2)} + ${(row.systemMicros / row.events).toFixed(2)}`,
      ((cpu / 1e6 / row.seconds) * 100).toFixed(1),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? "").length)),
  );
  const format = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  return [format(header), format(widths.map((width) => "-".repeat(width))), ...lines.map(format)].join("\n");
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index < 0 ? Number.NaN : Number(process.argv[index + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const rows = [await fullSpeed(), await manyAgents(option("--agents", 1000), option("--seconds", 10))];
  console.log(table(rows));
}

if (process.argv.includes("--child")) child();
else await main();
