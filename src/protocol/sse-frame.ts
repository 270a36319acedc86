import type { ReaderError } from "./events.js";

/**
 * The SSE frame of one run-log event (API.md §3): `id`, `event`, and the JSON on one `data:`
 * line. JSON.stringify escapes CR and LF inside strings, so agent text can never end the line
 * and forge a field or an event. Encoded once per event; every reader writes the same bytes.
 */
export function encodeEventFrame(id: string | number, type: string, json: string): Buffer {
  return Buffer.from(eventFrameText(id, type, json));
}

/** The text of `encodeEventFrame`, for a store that encodes it into a buffer of its own. */
export function eventFrameText(id: string | number, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`;
}

/** A reader-level problem (API.md §3): `event: error`, no `id:`, optionally a `retry:` hint. */
export function encodeErrorFrame(error: ReaderError, retryMs?: number): Buffer {
  const retry = retryMs === undefined ? "" : `retry: ${retryMs}\n`;
  return Buffer.from(`${retry}event: error\ndata: ${JSON.stringify(error)}\n\n`);
}

/** The keepalive comment sent after a quiet spell. */
export const PING_FRAME = Buffer.from(": ping\n\n");
