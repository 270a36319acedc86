import type { z } from "zod";
import type { ErrorDetail } from "../errors.js";

/**
 * Turns zod issues into API.md §3 `details`: one `{ path, message }` per bad field, with dotted
 * paths into the body (`options.max_concurrency`, `agent_ids.2`). `prefix` roots the paths.
 */
export function zodDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const parts = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...parts, key].join("."), message: "unknown field" }));
    }
    return [{ path: parts.join("."), message: issue.message }];
  });
}
