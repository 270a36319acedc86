import { createHash, randomUUID } from "node:crypto";

/**
 * The request token Letta derives from every input message's otid, to recognise a resend of the
 * same request (`streaming_service.derive_request_token`): the first 16 hex digits of the
 * SHA-256 of the otids joined by `|`, or a fresh uuid4 when there are none. It is both the
 * conversation lock's holder token and the key of the duplicate-request mapping.
 *
 * @example deriveRequestToken(["a", "b"]) // sha256("a|b") cut to 16 hex digits
 */
export function deriveRequestToken(otids: readonly string[]): string {
  if (otids.length === 0) return randomUUID();
  return createHash("sha256").update(otids.join("|")).digest("hex").slice(0, 16);
}
