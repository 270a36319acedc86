let cachedSecond = Number.NaN;
let cachedText = "";

/**
 * The current time the way Letta writes a message `date` (letta-wire §3.1, `serialize_datetime`
 * with `isoformat(timespec="seconds")`): `2026-05-14T16:58:54+00:00`.
 *
 * Token streams stamp every delta with a fresh date, so the text is cached per second: one
 * `Date.now()` per event instead of a `Date` and a `toISOString()`.
 */
export function lettaDate(nowMs: number = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = new Date(second * 1000).toISOString().slice(0, 19) + "+00:00";
  }
  return cachedText;
}
