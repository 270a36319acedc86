/** A fixed, valid `agent-<uuid4>` for agent number `n` of a cell. */
export function benchAgentId(n: number): string {
  return `agent-00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}
