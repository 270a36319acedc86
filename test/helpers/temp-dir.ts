import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A per-test temporary directory; see {@link useTempDir}. */
export interface TempDir {
  /** The current test's directory (only valid inside a test or hook). */
  readonly path: string;
  /** Writes `text` to `name` (folders created as needed) and returns the file's absolute path. */
  write(name: string, text: string): Promise<string>;
}

/**
 * Gives every test of the calling file a fresh directory under the OS temp dir and removes it
 * after the test, so tests that write files never see each other's and leave nothing behind.
 *
 * @example
 *   const dir = useTempDir("fanout-config-");
 *   it("loads", async () => { const file = await dir.write("fanout.yaml", "store: memory\n"); ... });
 */
export function useTempDir(prefix: string): TempDir {
  let current: string | undefined;
  beforeEach(async () => {
    current = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (current !== undefined) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
  const path = (): string => {
    if (current === undefined) throw new Error("useTempDir: the directory exists only inside a test");
    return current;
  };
  return {
    get path() {
      return path();
    },
    async write(name, text) {
      const file = join(path(), name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      return file;
    },
  };
}
