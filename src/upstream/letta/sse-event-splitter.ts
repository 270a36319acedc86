const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds where SSE events end in a byte stream fed chunk by chunk, by the rules of the SSE spec
 * (WHATWG HTML §9.2.5): a line ends with CRLF, LF or CR, and an empty line ends an event. So
 * `\n\n`, `\r\n\r\n`, `\r\r` and every mix (`\n\r\n`, `\r\n\n`, `\r\r\n`, …) are boundaries,
 * including one split across chunks, while a CRLF is one line end, never two.
 *
 * It only looks at CR and LF bytes, found with `indexOf` (memchr), so its cost per event is a few
 * calls, whatever the event's size.
 *
 * @example
 *   const splitter = new SseEventSplitter();
 *   for (const end of splitter.split(bytes)) pieces.push(bytes.subarray(start, (start = end)));
 */
export class SseEventSplitter {
  /** The last byte seen ended a line (or nothing came yet): one more line end is a boundary. */
  private atLineStart = true;
  /** The last byte seen was a CR: an LF right after it belongs to the same line end. */
  private afterCr = false;
  private readonly ends: number[] = [];

  /**
   * The event boundaries in `bytes`, each as the index just past it, in order. The array is
   * reused: it is valid until the next call.
   */
  split(bytes: Uint8Array): readonly number[] {
    const ends = this.ends;
    ends.length = 0;
    const length = bytes.length;
    let nextLf = bytes.indexOf(LF);
    let nextCr = bytes.indexOf(CR);
    let at = 0;
    while (at < length) {
      if (nextLf !== -1 && nextLf < at) nextLf = bytes.indexOf(LF, at);
      if (nextCr !== -1 && nextCr < at) nextCr = bytes.indexOf(CR, at);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (end === -1) {
        this.atLineStart = false;
        this.afterCr = false;
        return ends;
      }
      if (end > at) {
        this.atLineStart = false;
        this.afterCr = false;
      }
      const isCr = bytes[end] === CR;
      at = end + 1;
      if (!isCr && this.afterCr) {
        // The LF of a CRLF whose CR already ended the line.
        this.afterCr = false;
        continue;
      }
      this.afterCr = isCr;
      if (this.atLineStart) ends.push(isCr && bytes[at] === LF ? at + 1 : at);
      this.atLineStart = true;
    }
    return ends;
  }
}
