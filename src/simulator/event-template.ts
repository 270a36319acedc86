/** Placeholder for the event's `date`. */
export const DATE_HOLE = "\u0001D";
/** Placeholder for the event's `seq_id` (a number or null). */
export const SEQ_HOLE = "\u0001S";
/** Placeholder for a JSON value filled in per event (a text delta, a tool call delta, an id). */
export const VALUE_HOLE = "\u0001V";

// JSON.stringify escapes U+0001, so a placeholder string shows up in the JSON text as exactly this
// quoted escape; no user text can produce it, because the whole string value must match.
const HOLE_PATTERN = /"\\u0001([DSV])"/;

// Hole kinds, as small integers so a template stays a pair of plain arrays.
const DATE = 0;
const SEQ = 1;
const VALUE = 2;
type Hole = typeof DATE | typeof SEQ | typeof VALUE;

/**
 * A Letta SSE event serialized once, with holes for what changes per event. Rendering is string
 * concatenation, so a token delta costs a few appends instead of a `JSON.stringify` of a
 * 12-field object. Built from an object in Letta's key order, so the output keeps that order
 * (letta-wire §2.2: pydantic `model_dump_json()`, declaration order, nulls included).
 */
export interface EventTemplate {
  readonly parts: readonly string[];
  readonly holes: readonly (0 | 1 | 2)[];
}

/**
 * Compiles an event object into a template. Put {@link DATE_HOLE}, {@link SEQ_HOLE} and
 * {@link VALUE_HOLE} where per-event values go.
 *
 * @param prefix what precedes the JSON: `data: ` or `event: error\ndata: `.
 */
export function compileEventTemplate(event: object, prefix = "data: "): EventTemplate {
  const pieces = (prefix + JSON.stringify(event) + "\n\n").split(HOLE_PATTERN);
  const parts: string[] = [];
  const holes: Hole[] = [];
  pieces.forEach((piece, index) => {
    if (index % 2 === 0) parts.push(piece);
    else holes.push(piece === "D" ? DATE : piece === "S" ? SEQ : VALUE);
  });
  return { parts, holes };
}

/**
 * Renders one event: the SSE frame text, ready to write.
 *
 * @param seq the `seq_id` (background runs) or null (foreground, letta-wire §3.9).
 * @param valueJson JSON text for every {@link VALUE_HOLE}, e.g. `JSON.stringify(delta)`.
 */
export function renderEvent(
  template: EventTemplate,
  date: string,
  seq: number | null,
  valueJson: string,
): string {
  const { parts, holes } = template;
  let out = parts[0] ?? "";
  for (let index = 0; index < holes.length; index++) {
    const hole = holes[index];
    out += hole === DATE ? `"${date}"` : hole === SEQ ? (seq === null ? "null" : String(seq)) : valueJson;
    out += parts[index + 1] ?? "";
  }
  return out;
}
