import type { RunSnapshot } from "../protocol/run-snapshot.js";
import { agentLine, agentName, answers, type RunView } from "./run-view.js";

/** Redraws at most this often: smooth enough to watch, cheap at thousands of events/s. */
const FRAME_MS = 100;

const STATUS_COLOR: Record<string, string> = {
  completed: "32",
  failed: "31",
  timed_out: "31",
  cancelled: "33",
  retrying: "33",
  running: "36",
  queued: "2",
  pending: "2",
};

/**
 * A terminal: one live line per agent (status, characters, tokens/s), redrawn in place with
 * ANSI cursor moves, then every answer whole when the run ends.
 */
export function ttyView(write: (text: string) => void, columns: () => number): RunView {
  let drawn = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let latest: RunSnapshot | undefined;

  const draw = () => {
    timer = undefined;
    if (!latest) return;
    const snapshot = latest;
    const width = Math.max(20, (columns() || 80) - 1);
    const lines = Object.keys(snapshot.agents).map((id) => {
      const status = snapshot.agents[id]?.status ?? "pending";
      const text = `${agentName(snapshot, id)}  ${agentLine(snapshot, id)}`.slice(0, width - 2);
      return `\x1b[${STATUS_COLOR[status] ?? "0"}m●\x1b[0m ${text}`;
    });
    const up = drawn > 0 ? `\x1b[${drawn}F` : "";
    write(`${up}${lines.map((line) => `\x1b[2K${line}`).join("\n")}\n`);
    drawn = lines.length;
    last = Date.now();
  };

  return {
    event(_event, snapshot) {
      latest = snapshot;
      if (timer) return;
      timer = setTimeout(draw, Math.max(0, FRAME_MS - (Date.now() - last)));
    },
    finish(snapshot) {
      clearTimeout(timer);
      latest = snapshot;
      draw();
      write(`\n${answers(snapshot)}\nrun ${snapshot.run_id}: ${snapshot.status}\n`);
    },
  };
}
