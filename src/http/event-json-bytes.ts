import type { StoredEvent } from "../store/event-store.js";

/**
 * The UTF-8 bytes of an event's JSON, as a view into the SSE frame the store encoded once at
 * append (`id: <seq>\nevent: <type>\ndata: <json>\n\n`, see `encodeEventFrame`): WebSocket
 * readers send the very bytes SSE readers write, with no copy and no second encoding. The
 * prefix is ASCII (digits and the event type), so its length in bytes is its length in chars.
 */
export function eventJsonBytes(event: StoredEvent): Buffer {
  const prefix = 4 + String(event.seq).length + 8 + event.type.length + 7;
  return event.frame.subarray(prefix, event.frame.length - 2);
}
