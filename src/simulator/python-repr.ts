/** A value whose Python `repr()` text is already known, e.g. `ValueError("…")`. */
export class PyRaw {
  constructor(readonly text: string) {}
}

/** A Python tuple (pydantic error locations are tuples: `('body', 'messages', 0)`). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

function reprString(text: string): string {
  // Python picks single quotes unless the text has a single quote and no double quote.
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += "\\" + quote;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += char;
  }
  return out + quote;
}

/**
 * Python's `repr()` of a JSON-like value. Letta's 422 handler puts `repr()` of pydantic's error
 * list in `detail` as a string (letta-wire §2.7), so the simulator needs the same text.
 *
 * @example pythonRepr([{ loc: new PyTuple(["body"]), input: null }]) // "[{'loc': ('body',), 'input': None}]"
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return reprString(value);
  if (value instanceof PyRaw) return value.text;
  if (value instanceof PyTuple) {
    const items = value.items.map(pythonRepr);
    return items.length === 1 ? `(${items[0] ?? ""},)` : `(${items.join(", ")})`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => `${reprString(key)}: ${pythonRepr(item)}`);
    return `{${entries.join(", ")}}`;
  }
  // Functions, symbols and bigints never come out of JSON.parse.
  return "None";
}
