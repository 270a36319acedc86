/** One dispatched SSE message (WHATWG HTML §9.2.6 "dispatch the event"). */
export interface SseMessage {
  /** The `event:` field, or `"message"` when the frame had none. */
  type: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last event ID buffer at dispatch time: the frame's `id:`, else the last one seen. */
  lastEventId: string;
  /** Whether this frame carried an `id:` field itself (error frames carry none, API.md §3). */
  hasId: boolean;
}

/**
 * An incremental, spec-correct `text/event-stream` parser (WHATWG HTML §9.2.6): lines end in
 * CRLF, LF or CR (also when a CRLF is split across two chunks); `:` lines are comments; a field
 * without a colon has an empty value; one leading space of a value is dropped; `data:` lines
 * join with `\n`; `id:` with a NUL is ignored; `retry:` must be all ASCII digits; unknown
 * fields are ignored; a blank line dispatches, and a frame without data dispatches nothing.
 * Feed it decoded text (a streaming TextDecoder strips the BOM); an unfinished frame at the
 * end of the stream is dropped, as the spec says.
 */
export class SseParser {
  /** The last `retry:` value, in ms: the server's reconnection-time hint. */
  retryMs: number | undefined;
  private lastEventId = "";
  private buffer = "";
  private data: string[] = [];
  private type = "";
  private frameHasId = false;
  private skipLeadingLf = false;

  /** Parses `text` (any piece of the stream) and returns the messages it completed. */
  feed(text: string): SseMessage[] {
    const messages: SseMessage[] = [];
    if (text === "") return messages;
    let chunk = text;
    if (this.skipLeadingLf && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.skipLeadingLf = false;
    this.buffer += chunk;
    const { buffer } = this;
    const length = buffer.length;
    let start = 0;
    // Each search runs again only once passed, so a chunk without any CR is scanned once for it.
    let lf = -1;
    let cr = -1;
    for (;;) {
      if (lf < start) lf = indexOrEnd(buffer, "\n", start);
      if (cr < start) cr = indexOrEnd(buffer, "\r", start);
      const end = Math.min(lf, cr);
      if (end === length) break;
      const line = buffer.slice(start, end);
      if (end === cr && buffer.charCodeAt(end + 1) === 10) start = end + 2;
      else {
        start = end + 1;
        // A CR that ends the chunk may be the first half of a CRLF split across chunks.
        if (end === cr && start === length) this.skipLeadingLf = true;
      }
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.type = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) {
          this.lastEventId = value;
          this.frameHasId = true;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const { data, type, frameHasId } = this;
    this.data = [];
    this.type = "";
    this.frameHasId = false;
    if (data.length === 0) return undefined;
    return {
      type: type || "message",
      data: data.join("\n"),
      lastEventId: this.lastEventId,
      hasId: frameHasId,
    };
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index < 0 ? text.length : index;
}
