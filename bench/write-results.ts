import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the nearest folder above this file with a package.json (works from dist/ too). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("bench: no package.json above the bench files");
    dir = parent;
  }
  return dir;
}

/**
 * Writes `bench/results/<timestamp>.json` and `.md` (the folder is git-ignored) and returns their
 * paths, so figures can be compared between versions.
 */
export async function writeResults(
  startedAt: Date,
  json: unknown,
  markdown: string,
): Promise<{ json: string; markdown: string }> {
  const folder = join(packageRoot(), "bench", "results");
  await mkdir(folder, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const paths = { json: join(folder, `${stamp}.json`), markdown: join(folder, `${stamp}.md`) };
  await writeFile(paths.json, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(paths.markdown, markdown);
  return paths;
}
