/**
 * The text of the upstream's assistant deltas. Each delta is one self-delimiting token
 * `<n>@<sent>|<filler>~`: its index in the agent's stream, the upstream's send time (ms since the
 * epoch, µs precision, `performance.timeOrigin + performance.now()`, one clock for every process
 * on the host), then deterministic filler up to the payload size. A reader therefore computes
 * its latency exactly and checks order, loss and duplicates from the text alone, even if a relay
 * merged several deltas into one event.
 */

/** Filler characters: plain letters and spaces, so the JSON string needs no escaping. */
const FILLER = "the quick brown fox jumps over the lazy dog while agents stream answers ".repeat(40);
const FILLER_PHASES = 61;

/** Now, on the clock shared by every process on this host (ms since the epoch, fractional). */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The delta text of token `n` sent at `sentAt`, exactly `bytes` long (or just the header and the
 * terminator when `bytes` is smaller than those).
 */
export function deltaText(n: number, sentAt: number, bytes: number): string {
  const header = `${n}@${sentAt.toFixed(3)}|`;
  const fill = bytes - header.length - 1;
  if (fill <= 0) return `${header}~`;
  const phase = n % FILLER_PHASES;
  return `${header}${FILLER.slice(phase, phase + fill)}~`;
}

/** One token read back from a delta's text. */
export interface DeltaToken {
  n: number;
  sentAt: number;
  /** False when the filler differs from what the upstream wrote for this `n`. */
  intact: boolean;
}

/**
 * Reads every token in `text` (normally one). Returns undefined when the text is not a sequence
 * of whole tokens, which a reader counts as corruption.
 */
export function parseDeltaTokens(text: string): DeltaToken[] | undefined {
  const tokens: DeltaToken[] = [];
  let start = 0;
  while (start < text.length) {
    const at = text.indexOf("@", start);
    const bar = text.indexOf("|", at + 1);
    const end = text.indexOf("~", bar + 1);
    if (at < 0 || bar < 0 || end < 0) return undefined;
    const n = Number(text.slice(start, at));
    const sentAt = Number(text.slice(at + 1, bar));
    if (!Number.isInteger(n) || !Number.isFinite(sentAt)) return undefined;
    const phase = n % FILLER_PHASES;
    const fill = end - bar - 1;
    const intact = fill === 0 || text.startsWith(FILLER.slice(phase, phase + fill), bar + 1);
    tokens.push({ n, sentAt, intact });
    start = end + 1;
  }
  return tokens;
}
