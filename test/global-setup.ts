import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Builds `dist/` once before the tests: the CLI tests run the real binary, and the dashboard
 * loads compiled modules in a real browser. Type errors fail the run here, early and clearly.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
