import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runNode } from "../helpers/run-node.js";

interface PackageJson {
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, string | { types: string; default: string }>;
}

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as PackageJson;

// Prints one line of what the import gave, so the test can tell it apart from anything the
// import itself prints.
const PROBE = `
const api = await import("letta-fanout");
console.log(JSON.stringify({
  resolved: import.meta.resolve("letta-fanout"),
  createService: typeof api.createService,
  startSimulator: typeof api.startSimulator,
  loadConfig: typeof api.loadConfig,
  FanoutEvent: typeof api.FanoutEvent?.parse,
}));
`;

describe("the letta-fanout package", () => {
  it('import "letta-fanout" gives the programmatic API, prints nothing, and starts nothing', async () => {
    // Run from the project folder, a module importing "letta-fanout" resolves it through the
    // package's own `exports` (self-reference), as an installed copy would.
    const result = await runNode(["--input-type=module", "-e", PROBE], {
      cwd: PROJECT_ROOT,
      deadlineMs: 10_000,
    });
    // A server or timer left running keeps the child alive until the deadline kills it.
    expect(result.timedOut).toBe(false);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      resolved: expect.stringMatching(/\/dist\/src\/index\.js$/) as unknown,
      createService: "function",
      startSimulator: "function",
      loadConfig: "function",
      FanoutEvent: "function",
    });
  });

  it("exports the root with its types, keeps the CLI as the bin, and ships both", () => {
    const root = pkg.exports["."];
    expect(root).toEqual({ types: "./dist/src/index.d.ts", default: "./dist/src/index.js" });
    const bin = pkg.bin["letta-fanout"] ?? "";
    expect(bin).toBe("dist/src/main.js");
    for (const file of [bin, "dist/src/index.js", "dist/src/index.d.ts"]) {
      expect(existsSync(join(PROJECT_ROOT, file)), file).toBe(true);
      expect(pkg.files.some((shipped) => file.startsWith(`${shipped}/`))).toBe(true);
    }
    expect(readFileSync(join(PROJECT_ROOT, bin), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });
});
