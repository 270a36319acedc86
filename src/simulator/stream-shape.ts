/**
 * How one simulated SSE response is framed and how it ends, beyond Letta's own habits (LF line
 * endings, the connection closed right after `[DONE]`, letta-wire §2.2). Set by the `framing`,
 * `reset_before_done` and `linger_after_done` faults, to play a proxy or a server that does
 * otherwise.
 */
export interface StreamShape {
  /** `lf` as Letta writes; `crlf`, `cr`, or `mixed` (every line ending the SSE spec allows, in turn). */
  readonly lineEnding: "lf" | "crlf" | "cr" | "mixed";
  /**
   * `close` as Letta does; `reset` cuts the connection after stop_reason and usage, just before
   * `[DONE]`; `linger` sends `[DONE]` and then keeps the connection open, silent, until the
   * client leaves.
   */
  readonly ending: "close" | "reset" | "linger";
}

export const LETTA_SHAPE: StreamShape = { lineEnding: "lf", ending: "close" };

// Pairs of (line end, blank line end) for `mixed`. Every pair is two line ends by the SSE spec's
// rules; a lone CR followed by LF is left out, since that would read as one CRLF. None is LF LF,
// Letta's own, which the other modes leave out too.
const MIXED: readonly (readonly [string, string])[] = [
  ["\r\n", "\r\n"],
  ["\n", "\r\n"],
  ["\r", "\r\n"],
  ["\r\n", "\r"],
  ["\n", "\r"],
  ["\r", "\r"],
];

/**
 * Rewrites the line endings of one rendered chunk (`…\n\n`); `index` counts the chunks of the
 * response, so `mixed` uses a different pair of endings for each.
 */
export function reframe(chunk: string, lineEnding: StreamShape["lineEnding"], index: number): string {
  if (lineEnding === "lf") return chunk;
  if (lineEnding !== "mixed") return chunk.replaceAll("\n", lineEnding === "crlf" ? "\r\n" : "\r");
  const [line, blank] = MIXED[index % MIXED.length] ?? ["\n", "\n"];
  const body = chunk.endsWith("\n\n") ? chunk.slice(0, -2) : chunk.replace(/\n+$/, "");
  return `${body.replaceAll("\n", line)}${line}${blank}`;
}
