import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER_PACKAGES = [
  "hono",
  "@hono/node-server",
  "@letta-ai/letta-client",
  "rxjs",
  "p-limit",
  "ws",
  "yaml",
];

/**
 * Every module a file loads at run time, following static `import`/`export … from` (and
 * side-effect imports) through relative paths. `import type` and `export type` are erased by
 * the compiler (verbatimModuleSyntax keeps every other import), so they are not followed.
 */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      let specifier: ts.Expression | undefined;
      if (
        ts.isImportDeclaration(statement) &&
        statement.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword
      ) {
        specifier = statement.moduleSpecifier;
      } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
        specifier = statement.moduleSpecifier;
      }
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const name = specifier.text;
      if (name.startsWith(".")) visit(resolve(dirname(file), name.replace(/\.js$/, ".ts")));
      else packages.add(name);
    }
  };
  visit(resolve(ROOT, entry));
  return { files, packages };
}

const isNodeBuiltin = (name: string) =>
  name.startsWith("node:") || builtinModules.includes(name.split("/")[0] ?? "");
const isServerPackage = (name: string) =>
  SERVER_PACKAGES.some((server) => name === server || name.startsWith(`${server}/`));

describe("letta-fanout/client runs in browsers", () => {
  it("reaches only src/client and src/protocol, zod and no Node or server package", () => {
    const { files, packages } = importGraph("src/client/index.ts");
    const outside = [...files]
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith("src/client/") && !file.startsWith("src/protocol/"));
    expect(outside).toEqual([]);
    expect([...files].map((file) => relative(ROOT, file))).toContain("src/protocol/events.ts");
    expect([...packages].filter((name) => isNodeBuiltin(name) || isServerPackage(name))).toEqual([]);
    expect([...packages]).toEqual(["zod"]);
  });

  it("uses no Node globals (Buffer, process) in the files it reaches", () => {
    const { files } = importGraph("src/client/index.ts");
    for (const file of files) {
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect([file, /\b(Buffer|process|require|__dirname)\b/.test(text)]).toEqual([file, false]);
    }
  });

  it("keeps letta-fanout/react to the client, the protocol, zod and react", () => {
    const { files, packages } = importGraph("src/react/index.ts");
    const outside = [...files]
      .map((file) => relative(ROOT, file))
      .filter((file) => !/^src\/(client|protocol|react)\//.test(file));
    expect(outside).toEqual([]);
    expect([...packages].sort()).toEqual(["react", "zod"]);
  });
});
