import type { IncomingMessage } from "node:http";
import type { HttpBindings } from "@hono/node-server";
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
  // Served by Node: the request's own stream, read without the web stream Hono would make of it
  // (a promise and a copy per chunk, some 0.5 ms before a run can start; bench/ttfe-stages.ts).
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const body = incoming ? undefined : c.req.raw.body;
  if (!incoming && !body) {
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
  let text: string;
  if (incoming) text = (await readNodeBody(incoming, maxBytes)).toString("utf8");
  else {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString("utf8");
  }
  if (text.trim() === "" && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "unparsable";
    throw new AppError("invalid_json", `The body is not valid JSON (${reason}).`, 400);
  }
}

/**
 * A Node request's body, refused with 413 as soon as it passes `maxBytes` (what is left is not
 * held: Node's server drains it after the answer). Fails as the stream does when the client goes.
 */
function readNodeBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onClose = (): void => {
      done();
      reject(incoming.errored ?? new Error("The client closed the connection before its body ended."));
    };
    const done = (): void => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("close", onClose);
      incoming.off("error", onClose);
    };
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("close", onClose);
    incoming.once("error", onClose);
  });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    "payload_too_large",
    `The body is larger than ${maxBytes} bytes (limits.max_body_bytes).`,
    413,
  );
}
