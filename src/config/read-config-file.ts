import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import type { ErrorDetail } from "../errors.js";
import { ConfigError } from "./config-error.js";

/** Where the config file comes from, for messages: the caller, FANOUT_CONFIG, or the default. */
export type ConfigSource = "argument" | "FANOUT_CONFIG" | "default";

/**
 * Reads and parses a YAML config file. Returns the plain value (`{}` for an empty file), or
 * `undefined` when the file does not exist and `source` is `"default"`: only a path the user
 * named must exist. Every failure is a ConfigError naming `shownAs`.
 */
export async function readConfigFile(file: string, shownAs: string, source: ConfigSource): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && source === "default") return undefined;
    const how = source === "FANOUT_CONFIG" ? " (named by FANOUT_CONFIG)" : "";
    const summary =
      code === "ENOENT"
        ? `Config file not found: ${shownAs}${how}. Check the path, or leave it unset to use the shipped config/fanout.yaml.`
        : `Cannot read config file ${shownAs}${how}: ${code ?? "unknown error"}.`;
    throw new ConfigError(shownAs, [], { summary, cause: error });
  }

  // prettyErrors off: the pretty form quotes the offending lines, which may hold a token. The
  // LineCounter gives the position without the quote.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    const details: ErrorDetail[] = document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { path: "", message: `YAML syntax error at line ${line}, column ${col}: ${error.message}` };
    });
    throw new ConfigError(shownAs, details);
  }
  try {
    return (document.toJS() as unknown) ?? {};
  } catch (error) {
    // toJS throws on alias bombs ("Excessive alias count"); its message quotes no content.
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(shownAs, [{ path: "", message: `YAML error: ${message}` }]);
  }
}
