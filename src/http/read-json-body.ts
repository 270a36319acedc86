import type { Context } from "hono";
import { AppError } from "../errors.js";

/**
 * Reads a JSON request body with API.md §5's errors: 415 unless the content type is JSON,
 * 413 past `maxBytes` (checked while reading, so a huge body is never held whole), 400 if it
 * does not parse. An empty body reads as `emptyAs` (for routes whose body is optional).
 */
export async function readJsonBody(c: Context, maxBytes: number, emptyAs?: unknown): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (!body) {
    if (emptyAs !== undefined) return emptyAs;
    throw new AppError("invalid_json", "The request has no body; send a JSON object.", 400);
  }
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type) && !(emptyAs !== undefined && type === "")) {
    throw new AppError(
      "unsupported_media_type",
      `The body must be JSON: send Content-Type: application/json (got ${type ? `"${type.slice(0, 100)}"` : "none"}).`,
      415,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "" && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "unparsable";
    throw new AppError("invalid_json", `The body is not valid JSON (${reason}).`, 400);
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    "payload_too_large",
    `The body is larger than ${maxBytes} bytes (limits.max_body_bytes).`,
    413,
  );
}
