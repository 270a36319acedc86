/**
 * Splits a text stream into SSE frames (the text between blank lines), without copying the
 * buffer once per frame: it scans from an offset and slices each frame once. Both the Letta wire
 * format and the service's frames use LF only, so `\n\n` is the only separator this needs.
 *
 * @example
 *   const splitter = new SseSplitter();
 *   response.setEncoding("utf8").on("data", (text: string) => splitter.push(text, onFrame));
 */
export class SseSplitter {
  private buffer = "";

  /** Feeds a decoded chunk; calls `onFrame` for every complete frame it closes, in order. */
  push(chunk: string, onFrame: (frame: string) => void): void {
    const text = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n\n", start);
      if (end < 0) break;
      if (end > start) onFrame(text.slice(start, end));
      start = end + 2;
    }
    this.buffer = start === 0 ? text : text.slice(start);
  }

  /** Bytes (UTF-16 units) held back waiting for the end of a frame. */
  get pending(): number {
    return this.buffer.length;
  }
}
