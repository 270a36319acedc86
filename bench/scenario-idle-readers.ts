import { Agent } from "node:http";
import { benchAgentId } from "./bench-agent-id.js";
import { startCapacityTarget, type CapacityContext, type CapacityTarget } from "./capacity-targets.js";
import { ensureFdLimit } from "./fd-limit.js";
import type { ProcessWindow } from "./process-probe.js";
import { SseSplitter } from "./sse-splitter.js";
import { sseRequest } from "./sse-request.js";
import { startRunInBackground } from "./start-run.js";

/** BENCH.md scenario F's steps; `--quick` stops at 5,000. */
export const IDLE_STEPS = [1000, 5000, 10_000] as const;
const QUICK_STEPS = [1000, 5000] as const;
/** Heartbeat of both targets here, so that a few pings reach every reader while it idles. */
export const IDLE_PING_MS = 1000;
/** How long the readers idle once all are attached: two heartbeats and a half. */
const IDLE_MS = 2.5 * IDLE_PING_MS;
/** Readers connect in batches, each waited for, so the listen backlog never overflows. */
const BATCH = 500;
/** Files a process needs beyond one per reader (upstream, IPC, stdio, the pool). */
const FD_MARGIN = 256;
const TOKENS = 5;

/** One target holding `readers` idle readers. */
export interface IdleStepRow {
  target: CapacityTarget;
  readers: number;
  /** Set when the step did not run, and why (an open-file limit that could not be raised). */
  skipped: string | undefined;
  attached: number;
  /** The target from before the first reader connected to the end of the idle spell. */
  server: ProcessWindow | undefined;
  /** (RSS at the end of the idle spell − before the first reader) ÷ readers. */
  rssPerReaderBytes: number | undefined;
  /** The target's CPU while the readers idled, per reader per second (the heartbeats' cost). */
  idleCpuUsPerReaderSecond: number | undefined;
  /** `: ping` comments per reader during the idle spell (heartbeats on). */
  pingsPerReader: number;
  /** After the idle spell the run goes on: readers that missed deltas, saw a seq gap, or no end. */
  missingDeltas: number;
  seqErrors: number;
  problems: string[];
}

/** Scenario F's outcome. */
export interface IdleReadersOutcome {
  idleMs: number;
  pingMs: number;
  rows: IdleStepRow[];
}

/**
 * Scenario F: 1,000, 5,000 and 10,000 readers of one held run (`GET /v1/runs/{id}/events`: they
 * get run.started and agent.started, then nothing but heartbeats), on a fresh target process per
 * step with a 1 s heartbeat. RSS per reader is the target's RSS after 2.5 s of idling less its RSS
 * before the first reader, ÷ readers, each read after a full garbage collection. Then the run is let go: each reader must get every delta
 * and the run's end, gapless. The open-file limit of the bench and of the target is raised with
 * `prlimit` where needed; a step it cannot be raised for is skipped with a note.
 */
export async function runIdleReaders(context: CapacityContext): Promise<IdleReadersOutcome> {
  const rows: IdleStepRow[] = [];
  for (const readers of context.quick ? QUICK_STEPS : IDLE_STEPS) {
    for (const target of ["raw-node", "ours"] as const) {
      const row = await measure(context, target, readers);
      rows.push(row);
      context.log(
        `F ${target.padEnd(9)} ${readers.toLocaleString("en-US").padStart(6)} idle readers: ` +
          (row.skipped ??
            `${row.rssPerReaderBytes === undefined ? "—" : (row.rssPerReaderBytes / 1024).toFixed(1)} KiB/reader, ` +
              `${row.pingsPerReader.toFixed(1)} pings/reader` +
              (row.problems.length > 0 ? ` ⚠ ${row.problems.join("; ")}` : "")),
      );
    }
  }
  return { idleMs: IDLE_MS, pingMs: IDLE_PING_MS, rows };
}

interface IdleReader {
  done: Promise<{ error: string | undefined; status: number }>;
  pings: number;
  frames: number;
  deltas: number;
  seqErrors: number;
  completed: boolean;
}

function openIdleReader(url: string, agent: Agent, timeoutMs: number, onAttached: () => void): IdleReader {
  const splitter = new SseSplitter();
  let lastSeq = 0;
  const reader: IdleReader = {
    done: Promise.resolve({ error: undefined, status: 0 }),
    pings: 0,
    frames: 0,
    deltas: 0,
    seqErrors: 0,
    completed: false,
  };
  const onFrame = (frame: string) => {
    if (frame.startsWith(":")) {
      reader.pings++;
      return;
    }
    if (!frame.startsWith("id: ")) return;
    const idEnd = frame.indexOf("\n");
    const seq = Number(frame.slice(4, idEnd));
    if (seq !== lastSeq + 1) reader.seqErrors++;
    lastSeq = seq;
    if (reader.frames++ === 0) onAttached();
    const type = frame.slice(idEnd + 8, frame.indexOf("\n", idEnd + 1));
    if (type === "agent.delta") reader.deltas++;
    else if (type === "run.completed") reader.completed = true;
  };
  const request = sseRequest(
    { url, method: "GET", headers: { accept: "text/event-stream" }, agent, timeoutMs },
    (text) => splitter.push(text, onFrame),
  );
  reader.done = request.done.then(({ error, status }) => ({ error, status }));
  return reader;
}

async function measure(
  context: CapacityContext,
  target: CapacityTarget,
  count: number,
): Promise<IdleStepRow> {
  const row: IdleStepRow = {
    target,
    readers: count,
    skipped: undefined,
    attached: 0,
    server: undefined,
    rssPerReaderBytes: undefined,
    idleCpuUsPerReaderSecond: undefined,
    pingsPerReader: 0,
    missingDeltas: 0,
    seqErrors: 0,
    problems: [],
  };
  const needed = count + FD_MARGIN;
  row.skipped = ensureFdLimit(process.pid, needed, "the bench (load client)");
  if (row.skipped !== undefined) return row;
  const started = await startCapacityTarget(target, context, IDLE_PING_MS);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    row.skipped = ensureFdLimit(started.child.pid, needed, target);
    if (row.skipped !== undefined) return row;
    await context.emitter.call("configure", {
      tokensPerAgent: TOKENS,
      ratePerSecond: 0,
      payloadBytes: 60,
      hold: true,
    });
    const body = JSON.stringify({
      message: "bench",
      agent_ids: [benchAgentId(0)],
      options: { agent_defaults: { background: false } },
    });
    const run = await startRunInBackground(`${started.url}/v1/runs`, body, agent);
    const url = `${started.url}/v1/runs/${run.runId}/events`;
    const timeoutMs = 120_000;
    await started.child.call("gc", null);
    await started.child.call("probe-begin", null);
    const readers: IdleReader[] = [];
    for (let first = 0; first < count; first += BATCH) {
      const size = Math.min(BATCH, count - first);
      let attached = 0;
      let batchDone: () => void = () => undefined;
      const batch = new Promise<boolean>((resolve) => (batchDone = () => resolve(true)));
      for (let i = 0; i < size; i++) {
        readers.push(
          openIdleReader(url, agent, timeoutMs, () => {
            row.attached++;
            if (++attached === size) batchDone();
          }),
        );
      }
      const inTime = await Promise.race([
        batch,
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref()),
      ]);
      if (!inTime) {
        row.problems.push(`only ${row.attached} of ${count} readers attached in time`);
        break;
      }
    }
    const pingsBefore = readers.reduce((sum, reader) => sum + reader.pings, 0);
    const idleStart = await started.child.call("probe-end", null);
    await started.child.call("probe-begin", null);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = await started.child.call("probe-end", null);
    // RSS after a full collection, as before the first reader: what the readers hold.
    await started.child.call("gc", null);
    await started.child.call("probe-begin", null);
    const settled = await started.child.call("probe-end", null);
    // The whole window: RSS before the first reader, and at the end of the idle spell.
    row.server = {
      ...idle,
      rssStartBytes: idleStart.rssStartBytes,
      rssPeakBytes: Math.max(idleStart.rssPeakBytes, idle.rssPeakBytes),
      rssEndBytes: settled.rssEndBytes,
    };
    row.rssPerReaderBytes =
      row.attached > 0 ? (settled.rssEndBytes - idleStart.rssStartBytes) / row.attached : undefined;
    row.idleCpuUsPerReaderSecond =
      row.attached > 0 ? idle.cpuUs / row.attached / (idle.wallMs / 1000) : undefined;
    row.pingsPerReader =
      (readers.reduce((sum, reader) => sum + reader.pings, 0) - pingsBefore) / Math.max(1, readers.length);

    await context.emitter.call("release", null);
    const ends = await Promise.all(readers.map((reader) => reader.done));
    let failed = 0;
    let unfinished = 0;
    for (const [index, end] of ends.entries()) {
      const reader = readers[index];
      if (!reader) continue;
      if (end.error !== undefined || end.status !== 200) failed++;
      else if (!reader.completed) unfinished++;
      row.missingDeltas += Math.max(0, TOKENS - reader.deltas);
      row.seqErrors += reader.seqErrors;
    }
    if (failed > 0)
      row.problems.push(
        `${failed} readers failed (${ends.find((end) => end.error !== undefined)?.error ?? "HTTP error"})`,
      );
    if (unfinished > 0) row.problems.push(`${unfinished} readers got no run.completed`);
    if (row.missingDeltas > 0) row.problems.push(`${row.missingDeltas} deltas missing after release`);
    if (row.seqErrors > 0) row.problems.push(`${row.seqErrors} seq gaps`);
    if (row.pingsPerReader < 1) row.problems.push("no heartbeat reached the readers while they idled");
    return row;
  } finally {
    agent.destroy();
    await started.child.close();
  }
}
