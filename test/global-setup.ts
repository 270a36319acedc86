import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Builds `dist/` once before the tests: the CLI tests run the real binary, and the dashboard
 * loads compiled modules in a real browser. tsc emits even when it reports type errors; those
 * are printed here and fail `npm run typecheck` (part of `npm run check`), while the tests
 * still run and say what they can.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "pipe" });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    console.warn(`\nBuilding dist/ for the tests reported errors:\n${output}`);
  }
}
