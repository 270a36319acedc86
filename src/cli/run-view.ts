import type { FanoutEvent } from "../protocol/events.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";

/** How `letta-fanout run` shows a run: it sees every event and the folded snapshot. */
export interface RunView {
  event(event: FanoutEvent, snapshot: RunSnapshot): void;
  /** The run ended (or the stream did): print what is left. */
  finish(snapshot: RunSnapshot): void;
}

/** A display name for an agent: its label, else a short form of its id. */
export function agentName(snapshot: RunSnapshot, agentId: string): string {
  return snapshot.agents[agentId]?.label ?? agentId.slice(0, 14);
}

/** The one-line summary of an agent: status, characters, tokens per second, error. */
export function agentLine(snapshot: RunSnapshot, agentId: string): string {
  const agent = snapshot.agents[agentId];
  if (!agent) return agentId;
  const parts = [agent.status === "retrying" ? `retrying (attempt ${agent.attempts + 1})` : agent.status];
  parts.push(`${agent.text.length} chars`);
  if (agent.metrics?.tokens_per_second != null) parts.push(`${agent.metrics.tokens_per_second} tok/s`);
  if (agent.metrics?.ttft_ms != null) parts.push(`ttft ${agent.metrics.ttft_ms} ms`);
  if (agent.error) parts.push(`${agent.error.code}: ${agent.error.message}`);
  return parts.join(" · ");
}

/** Every agent's whole answer, one block each, for the end of a run. */
export function answers(snapshot: RunSnapshot): string {
  return Object.keys(snapshot.agents)
    .map((id) => {
      const agent = snapshot.agents[id];
      const body = agent?.text.trim() || (agent?.error ? `(${agent.error.message})` : "(no answer)");
      return `── ${agentName(snapshot, id)} [${agent?.status ?? "?"}]\n${body}\n`;
    })
    .join("\n");
}
