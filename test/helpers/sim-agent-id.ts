import { randomUUID } from "node:crypto";

/** A fresh random `agent-<uuid4>` id. */
export function simAgentId(): string {
  return `agent-${randomUUID()}`;
}
