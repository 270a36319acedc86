import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../config/index.js";

/** letta-fanout's version, read from its package.json (the one npm publishes), for `--version`. */
export function packageVersion(): string {
  const file = join(packageRoot(import.meta.url), "package.json");
  const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${file} has no "version"`);
  return version;
}
