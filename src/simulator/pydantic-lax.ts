import type { PydanticError } from "./letta-errors.js";

const TRUE_WORDS = new Set(["true", "1", "yes", "on", "t", "y"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off", "f", "n"]);

/** A parsed field, or the pydantic error for it. */
export type Field<T> = { ok: true; value: T } | { ok: false; error: PydanticError };

/** Pydantic's lax-mode bool: true/false, 0/1 and a few words (error `loc` is `("body", name)`). */
export function laxBool(name: string, value: unknown, fallback: boolean): Field<boolean> {
  if (value === undefined) return { ok: true, value: fallback };
  if (typeof value === "boolean") return { ok: true, value };
  if (value === 0 || value === 1) return { ok: true, value: value === 1 };
  const loc = ["body", name];
  if (typeof value === "string") {
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return { ok: true, value: true };
    if (FALSE_WORDS.has(word)) return { ok: true, value: false };
    return {
      ok: false,
      error: {
        type: "bool_parsing",
        loc,
        msg: "Input should be a valid boolean, unable to interpret input",
        input: value,
      },
    };
  }
  return {
    ok: false,
    error: { type: "bool_type", loc, msg: "Input should be a valid boolean", input: value },
  };
}

/** Pydantic's lax-mode int: integers, whole floats and integer strings (error `loc` is `("body", name)`). */
export function laxInt(name: string, value: unknown, fallback: number): Field<number> {
  if (value === undefined) return { ok: true, value: fallback };
  const loc = ["body", name];
  if (typeof value === "number") {
    if (Number.isInteger(value)) return { ok: true, value };
    return {
      ok: false,
      error: {
        type: "int_from_float",
        loc,
        msg: "Input should be a valid integer, got a number with a fractional part",
        input: value,
      },
    };
  }
  if (typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value))
    return { ok: true, value: Number.parseInt(value, 10) };
  if (typeof value === "string") {
    return {
      ok: false,
      error: {
        type: "int_parsing",
        loc,
        msg: "Input should be a valid integer, unable to parse string as an integer",
        input: value,
      },
    };
  }
  return {
    ok: false,
    error: { type: "int_type", loc, msg: "Input should be a valid integer", input: value },
  };
}

/** An optional string field of a request body (`Optional[str]`): null when absent or null. */
export function optionalString(
  source: Record<string, unknown>,
  name: string,
  errors: PydanticError[],
): string | null {
  const value = source[name];
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  errors.push({
    type: "string_type",
    loc: ["body", name],
    msg: "Input should be a valid string",
    input: value,
  });
  return null;
}

/** A JSON object (what pydantic takes for a model), not an array or null. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
