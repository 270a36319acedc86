import { createHash } from "node:crypto";

/**
 * The `otid` of the message the service sends to one agent of one run (API.md §4): the same for
 * every resend of that message, so that a Letta that recovers duplicate requests (letta-wire §1.3)
 * attaches a resend after an ambiguous failure to the run it already started. `generation` counts
 * deliberate second sends (`retry.resend_after_accept`), which must start a new Letta run.
 * UUID-shaped (version 4 and variant bits set), like the otids Letta's own clients send.
 *
 * @example messageOtid("fr-…", "agent-…") // "3f1c9a2e-…-4…-8…-…", stable for this pair
 */
export function messageOtid(runId: string, agentId: string, generation = 0): string {
  const hex = createHash("sha256")
    .update(`letta-fanout\n${runId}\n${agentId}\n${generation}`)
    .digest("hex")
    .slice(0, 32)
    .split("");
  hex[12] = "4";
  hex[16] = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
