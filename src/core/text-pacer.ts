import { abortableSleep } from "./abortable-sleep.js";

/** How often paced text is released: small enough to look smooth, large enough to stay cheap. */
const TICK_MS = 50;

/**
 * Paces text to `charsPerSecond` (API.md §1 `rate_limit`): `slices` cuts a text into pieces of
 * about one tick's worth, and `wait` holds the caller until the next piece may go. The agent
 * loop does not read upstream while it waits, so pacing pushes back on Letta instead of
 * buffering.
 */
export class TextPacer {
  private nextAt = 0;
  private readonly sliceChars: number;

  constructor(
    private readonly charsPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sliceChars = Math.max(1, Math.ceil((charsPerSecond * TICK_MS) / 1000));
  }

  /** The text cut into tick-sized slices (code points kept whole). */
  slices(text: string): string[] {
    if (text.length <= this.sliceChars) return [text];
    const out: string[] = [];
    let piece = "";
    for (const char of text) {
      piece += char;
      if (piece.length >= this.sliceChars) {
        out.push(piece);
        piece = "";
      }
    }
    if (piece) out.push(piece);
    return out;
  }

  /** Waits until `chars` more characters may be released. */
  async wait(chars: number, signal: AbortSignal): Promise<void> {
    const now = this.now();
    const start = Math.max(now, this.nextAt);
    this.nextAt = start + (chars / this.charsPerSecond) * 1000;
    await abortableSleep(start - now, signal);
  }
}
