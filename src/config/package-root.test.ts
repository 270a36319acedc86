import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { packageRoot } from "./package-root.js";

const root = packageRoot();

describe("packageRoot", () => {
  it("finds the folder of letta-fanout's package.json from src/config (vitest)", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string };
    expect(pkg.name).toBe("letta-fanout");
    expect(existsSync(join(root, "src", "config", "package-root.ts"))).toBe(true);
  });

  it("finds the same folder from dist/src/config (after a build), one level deeper", () => {
    const built = pathToFileURL(join(root, "dist", "src", "config", "load-config.js")).href;
    expect(packageRoot(built)).toBe(root);
  });

  it("says where it looked when there is no such package.json", () => {
    expect(() => packageRoot(pathToFileURL("/no-such-dir/x.js").href)).toThrow(
      "No package.json named letta-fanout above /no-such-dir/x.js",
    );
  });
});
