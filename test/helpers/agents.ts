import type { SimAgentSpec } from "../../src/simulator/index.js";

/** A fresh, valid `agent-<uuid4>` id for a test agent (the number makes failures readable). */
export function agentId(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `agent-00000000-0000-4000-8000-${hex}`;
}

/** A scripted agent answering `answer`, as fast as the simulator can. */
export function scripted(n: number, answer: string, extra: Partial<SimAgentSpec> = {}): SimAgentSpec {
  return { id: agentId(n), name: `agent ${n}`, script: [{ assistant: answer }], ...extra };
}
