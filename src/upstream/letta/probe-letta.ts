import type Letta from "@letta-ai/letta-client";
import { APIConnectionTimeoutError, APIError } from "@letta-ai/letta-client";

/**
 * How a dependency answered a readiness probe: `ok`, `http_<status>`, `timeout` or
 * `unreachable`. Deliberately no upstream text: `/readyz` is public, and an error body may quote
 * what it was sent (a careless proxy echoing the `Authorization` header).
 */
export type DependencyState = "ok" | "timeout" | "unreachable" | `http_${number}`;

/** Asks Letta's health endpoint once (no SDK retries) and says how it answered. */
export async function probeLetta(client: Letta, signal: AbortSignal): Promise<DependencyState> {
  try {
    await client.health({ signal, maxRetries: 0 });
    return "ok";
  } catch (error) {
    if (error instanceof APIError && error.status !== undefined) return `http_${error.status}`;
    if (error instanceof APIConnectionTimeoutError || signal.aborted) return "timeout";
    return "unreachable";
  }
}
