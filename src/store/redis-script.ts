import { createHash } from "node:crypto";

type Send = (args: string[]) => Promise<unknown>;

/** Runs a Lua script by its SHA, sending it whole the first time a Redis sees it (NOSCRIPT). */
export async function runScript(send: Send, script: string, args: string[]): Promise<unknown> {
  const sha = createHash("sha1").update(script).digest("hex");
  try {
    return await send(["EVALSHA", sha, "0", ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return send(["EVAL", script, "0", ...args]);
  }
}
