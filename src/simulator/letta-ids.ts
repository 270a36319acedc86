import { randomUUID } from "node:crypto";

/**
 * Letta's path check for agent ids (letta-wire §1.1, `letta/validators.py` `PATH_VALIDATORS`):
 * `agent-` followed by a lowercase version-4 UUID, 42 characters in all.
 */
export const AGENT_ID_PATTERN = /^agent-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether `value` is a well-formed Letta agent id (`agent-<uuid4>`). */
export function isAgentId(value: string): boolean {
  return value.length === 42 && AGENT_ID_PATTERN.test(value);
}

/**
 * The offline threading id Letta derives from a message id (letta-wire §3.1,
 * `Message.generate_otid_from_id`): the message UUID with its low 7 bits replaced by the
 * sub-message index, so the sub-messages of one LLM step end in …00, …01, … .
 *
 * @example otidFor("6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b2c", 1) // "6f1c2b7e-4a3d-4c1e-9b2a-5d8e7f6a1b01"
 */
export function otidFor(uuid: string, index: number): string {
  const lastByte = Number.parseInt(uuid.slice(34, 36), 16);
  const byte = (lastByte & 0x80) | (index & 0x7f);
  return uuid.slice(0, 34) + byte.toString(16).padStart(2, "0");
}

/** A fresh random version-4 UUID (Letta's ids are `<prefix>-<uuid4>`, letta-wire §3.1). */
export function newUuid(): string {
  return randomUUID();
}

/** A fresh run id, `run-<uuid4>`. */
export function newRunId(): string {
  return `run-${randomUUID()}`;
}

/** A fresh step id, `step-<uuid4>` (`letta/agents/helpers.py` `generate_step_id`). */
export function newStepId(): string {
  return `step-${randomUUID()}`;
}

/** A fresh keepalive ping id, `ping-<uuid4>` (letta-wire §2.3). */
export function newPingId(): string {
  return `ping-${randomUUID()}`;
}

/** A fresh OpenAI-style tool call id, `call_` plus 24 hex characters. */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
