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
  /** Lines of the event in progress that have ended so far. */
  private lines = 0;
  private readonly ends: number[] = [];
  private readonly multi: boolean[] = [];

  /**
   * For each boundary of the last `split`, whether its event had more than one line (an
   * `event:` field, or several `data:` lines); Letta's messages are a single `data:` line.
   */
  get multiline(): readonly boolean[] {
    return this.multi;
  }

  /** Whether the event in progress (not ended by a boundary yet) already has an ended line. */
  get partialHasLines(): boolean {
    return this.lines > 0;
  }

  /**
   * The event boundaries in `bytes`, each as the index just past it, in order. The array is
   * reused: it is valid until the next call.
   */
  split(bytes: Uint8Array): readonly number[] {
    const ends = this.ends;
    const multi = this.multi;
    ends.length = 0;
    multi.length = 0;
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
      if (this.atLineStart) {
        ends.push(isCr && bytes[at] === LF ? at + 1 : at);
        multi.push(this.lines > 1);
        this.lines = 0;
      } else this.lines++;
      this.atLineStart = true;
    }
    return ends;
  }
}
