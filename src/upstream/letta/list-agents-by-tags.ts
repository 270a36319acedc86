import type Letta from "@letta-ai/letta-client";
import { AppError } from "../../errors.js";

/** Most agents one tag lookup takes, so a broad tag cannot fan out without bound. */
const MAX_TAGGED_AGENTS = 10_000;

/**
 * The agents carrying `tags` (any, or all with `matchAll`), through the SDK's auto-pagination
 * (letta-wire §1.5). Used when a panel selects agents by tag. A Letta failure becomes a 502
 * `upstream_unavailable` naming the tags; its text comes through the scrubbing fetch, so it
 * never carries the key.
 */
export async function listAgentsByTags(
  client: Letta,
  tags: string[],
  matchAll: boolean,
  signal: AbortSignal,
): Promise<{ id: string; name: string }[]> {
  const found: { id: string; name: string }[] = [];
  try {
    for await (const agent of client.agents.list(
      { tags, match_all_tags: matchAll, limit: 100 },
      { signal },
    )) {
      found.push({ id: agent.id, name: agent.name });
      if (found.length >= MAX_TAGGED_AGENTS) break;
    }
  } catch (error) {
    // The client went away during the lookup: our own abort, not Letta failing (and not worth a log).
    if (signal.aborted)
      throw new AppError("cancelled", "The request was cancelled before the run started.", 499);
    throw new AppError(
      "upstream_unavailable",
      `Could not list Letta agents tagged ${tags.join(", ")}: ${error instanceof Error ? error.message.slice(0, 200) : "unknown error"}.`,
      502,
      { cause: error },
    );
  }
  return found;
}
