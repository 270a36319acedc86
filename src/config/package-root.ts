import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "letta-fanout";

/**
 * The folder that holds letta-fanout's package.json, found by walking up from `from` (a module
 * URL). Modules run from `src/…` under vitest and from `dist/src/…` after a build, at different
 * depths, so a fixed `../..` would be right for only one of them; walking up is right for both,
 * and for an install under `node_modules/letta-fanout`.
 *
 * @example join(packageRoot(), "config", "fanout.yaml")
 */
export function packageRoot(from: string = import.meta.url): string {
  let folder = dirname(fileURLToPath(from));
  for (;;) {
    if (readPackageName(join(folder, "package.json")) === PACKAGE_NAME) return folder;
    const parent = dirname(folder);
    if (parent === folder)
      throw new Error(`No package.json named ${PACKAGE_NAME} above ${fileURLToPath(from)}`);
    folder = parent;
  }
}

function readPackageName(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
  } catch {
    // No package.json here (or an unreadable one): keep walking up.
    return undefined;
  }
}
