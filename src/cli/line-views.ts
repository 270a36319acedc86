import type { FanoutEvent } from "../protocol/events.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import { agentLine, agentName, answers, type RunView } from "./run-view.js";

type Write = (text: string) => void;

/** `--json`: every event as one JSON line on stdout, nothing else. */
export function jsonView(write: Write): RunView {
  return { event: (event) => write(`${JSON.stringify(event)}\n`), finish: () => undefined };
}

/**
 * Not a terminal (a pipe, a log file, CI): one plain line per agent milestone, then every
 * answer whole. No escape codes, nothing redrawn.
 */
export function plainView(write: Write): RunView {
  return {
    event(event, snapshot) {
      const line = milestone(event, snapshot);
      if (line) write(`${line}\n`);
    },
    finish(snapshot) {
      write(`\n${answers(snapshot)}\nrun ${snapshot.run_id}: ${snapshot.status}\n`);
    },
  };
}

/**
 * `--stream`: answers interleaved as they arrive, a whole line at a time per agent (token
 * deltas of several agents on one line would be unreadable), each prefixed with its agent.
 */
export function streamView(write: Write): RunView {
  const pending = new Map<string, string>();
  const flush = (snapshot: RunSnapshot, agentId: string, all: boolean) => {
    const text = pending.get(agentId) ?? "";
    const lines = text.split("\n");
    const rest = all ? "" : (lines.pop() ?? "");
    for (const line of all ? lines.filter((l, i) => i < lines.length - 1 || l !== "") : lines) {
      write(`${agentName(snapshot, agentId)} │ ${line}\n`);
    }
    pending.set(agentId, rest);
  };
  return {
    event(event, snapshot) {
      if (event.type === "agent.delta" && event.kind === "assistant") {
        pending.set(event.agent_id, (pending.get(event.agent_id) ?? "") + event.text);
        flush(snapshot, event.agent_id, false);
        return;
      }
      if (event.type === "agent.completed") flush(snapshot, event.agent_id, true);
      const line = milestone(event, snapshot);
      if (line && event.type !== "agent.started") write(`${line}\n`);
    },
    finish(snapshot) {
      write(`run ${snapshot.run_id}: ${snapshot.status}\n`);
    },
  };
}

/** The line worth printing for an event in line modes, if any. */
function milestone(event: FanoutEvent, snapshot: RunSnapshot): string | undefined {
  if (event.type === "run.started") {
    const parent = event.parent_run_id === undefined ? "" : `, following up run ${event.parent_run_id}`;
    return `run ${event.run_id}: ${event.agents.length} agents${parent}`;
  }
  if (!("agent_id" in event)) return undefined;
  const name = agentName(snapshot, event.agent_id);
  switch (event.type) {
    case "agent.queued":
      return `${name}: queued (position ${event.position}${event.reason === "conversation_busy" ? ", waiting for its conversation" : ""})`;
    case "agent.started":
      return `${name}: started (attempt ${event.attempt})`;
    case "agent.retry":
      return `${name}: retrying (attempt ${event.attempt}, ${event.mode}) in ${Math.round(event.delay_ms)} ms after ${event.reason}`;
    case "agent.completed":
      return `${name}: ${agentLine(snapshot, event.agent_id)}`;
    default:
      return undefined;
  }
}
