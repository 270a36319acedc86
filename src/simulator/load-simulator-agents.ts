import { readFile } from "node:fs/promises";
import { parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { simulatorAgentsFileSchema, type SimAgent } from "./agent-spec.js";

/** One problem in an agents file: where it is and what is wrong. */
export interface SimulatorConfigProblem {
  /** Dotted path of the bad field, e.g. `agents[2].speed.tokens_per_second`. */
  readonly path: string;
  /** 1-based line in the file, when it can be located. */
  readonly line: number | undefined;
  /** Why the value is rejected. */
  readonly reason: string;
}

/**
 * A simulator agents file that cannot be used. The message names the file and lists every bad
 * field with its path, line and reason, so a user can fix them all in one go.
 */
export class SimulatorConfigError extends Error {
  override readonly name = "SimulatorConfigError";

  constructor(
    readonly source: string,
    readonly problems: readonly SimulatorConfigProblem[],
    options?: ErrorOptions,
  ) {
    const lines = problems.map(
      (problem) =>
        `  - ${problem.path || "(file)"}${problem.line === undefined ? "" : ` (line ${problem.line})`}: ${problem.reason}`,
    );
    super(`Invalid simulator agents file ${source}:\n${lines.join("\n")}`, options);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text;
}

function lineOf(
  document: Document,
  path: readonly PropertyKey[],
  lineStarts: readonly number[],
): number | undefined {
  // Walk up until a node exists: a missing field is reported at the object that lacks it.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true) as
      { range?: readonly number[] } | null | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) continue;
    let line = 1;
    while (line < lineStarts.length && (lineStarts[line] ?? Infinity) <= offset) line++;
    return line;
  }
  return undefined;
}

function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  document: Document,
  text: string,
): SimulatorConfigProblem[] {
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++)
    if (text.charCodeAt(index) === 10) lineStarts.push(index + 1);
  return issues.map((issue) => {
    const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path;
    const reason =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
        : issue.message;
    return { path: formatPath(path), line: lineOf(document, path, lineStarts), reason };
  });
}

/**
 * Parses the text of an agents file (`{ agents: [...] }`, YAML or JSON) into agents.
 *
 * @param source names the file in error messages.
 * @throws SimulatorConfigError naming the file and each bad field.
 */
export function parseSimulatorAgents(text: string, source: string): SimAgent[] {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SimulatorConfigError(
      source,
      document.errors.map((error) => ({
        path: "",
        line: error.linePos?.[0].line,
        reason: error.message.split("\n")[0] ?? "",
      })),
    );
  }
  const result = simulatorAgentsFileSchema.safeParse(document.toJS());
  if (!result.success)
    throw new SimulatorConfigError(source, problemsOf(result.error.issues, document, text));
  return result.data.agents;
}

/**
 * Reads and validates a simulator agents file.
 *
 * @example const agents = await loadSimulatorAgents("config/simulator.yaml");
 * @throws SimulatorConfigError when the file is missing, is not YAML, or has bad fields.
 */
export async function loadSimulatorAgents(path: string | URL): Promise<SimAgent[]> {
  const source = typeof path === "string" ? path : decodeURIComponent(path.pathname);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new SimulatorConfigError(source, [{ path: "", line: undefined, reason }], { cause: error });
  }
  return parseSimulatorAgents(text, source);
}
