import { z } from "zod";
import type { ErrorDetail } from "../errors.js";
import { zodDetails } from "../protocol/zod-details.js";

/**
 * The `{ path, message }` details of a config validation error, as `zodDetails` gives them,
 * with two improvements. A bad panel name gets the naming rule as its message, not zod's
 * "Invalid key in record". And a failing panel agent entry is explained by the form it was
 * written in: zod tries both forms of `PanelAgent`, and when an error inside `options` stops the
 * intended form early, zod can only say "fits neither". The entry's own keys say which form was
 * meant (`id` or `tags`), so that form's issues are reported instead, at their own paths
 * (`panels.demo.agents.0.options.include.0`).
 *
 * @param input the value that was parsed (the YAML file's contents), to read the entry's keys.
 */
export function configDetails(error: z.ZodError, input: unknown): ErrorDetail[] {
  const issues = error.issues.flatMap((issue) => {
    if (issue.code === "invalid_key") return issue.issues.map((inner) => ({ ...inner, path: issue.path }));
    if (issue.code !== "invalid_union" || !isPanelAgentPath(issue.path)) return [issue];
    const branch = intendedForm(valueAt(input, issue.path));
    const branchIssues = branch === undefined ? undefined : issue.errors[branch];
    if (branchIssues === undefined || branchIssues.length === 0) return [issue];
    return branchIssues.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  });
  return zodDetails(new z.ZodError(issues));
}

/** `panels.<name>.agents.<index>`: where PanelAgent unions sit in the config. */
function isPanelAgentPath(path: PropertyKey[]): boolean {
  return path.length === 4 && path[0] === "panels" && path[2] === "agents";
}

/** The index of the PanelAgent form an entry was written in (0: by id, 1: by tags), if clear. */
function intendedForm(entry: unknown): 0 | 1 | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return undefined;
  const hasId = "id" in entry;
  const hasTags = "tags" in entry;
  if (hasId === hasTags) return undefined;
  return hasId ? 0 : 1;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
