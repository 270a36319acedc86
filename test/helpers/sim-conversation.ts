import Letta from "@letta-ai/letta-client";
import type { Simulator } from "../../src/simulator/index.js";
import { rawRequest, type RawResponse } from "./sim-raw-sse.js";

/** An SDK client for the simulator; `maxRetries: 0` unless a test is about the SDK's retries. */
export function simClient(
  simulator: Simulator,
  options: { maxRetries?: number; timeout?: number } = {},
): Letta {
  return new Letta({ baseURL: simulator.url, apiKey: "test-key", maxRetries: 0, ...options });
}

/** Reads an SDK stream to its end. */
export async function collectEvents(stream: AsyncIterable<unknown>): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  for await (const event of stream) events.push(event as Record<string, unknown>);
  return events;
}

/** One user message with a fixed otid, as a client that may resend it sends it. */
export function userMessage(text: string, otid: string): { role: "user"; content: string; otid: string } {
  return { role: "user", content: text, otid };
}

/** `POST /v1/conversations/{id}/messages` with node:http, to see the exact bytes and statuses. */
export function rawConversationSend(
  simulator: Simulator,
  conversationId: string,
  body: Record<string, unknown>,
): Promise<RawResponse> {
  return rawRequest(`${simulator.url}/v1/conversations/${conversationId}/messages`, { body });
}

/** The run id of a stream: the initial ping's (letta-wire §2.3). */
export function runIdOf(response: RawResponse): string {
  return String(response.dataEvents()[0]?.["run_id"]);
}

/** The parsed JSON body of a finished raw response. */
export async function jsonOf(response: RawResponse): Promise<unknown> {
  await response.finished;
  return JSON.parse(response.text()) as unknown;
}
