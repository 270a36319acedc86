import type Letta from "@letta-ai/letta-client";
import type { AgentSource, OpenRequest, UpstreamItem } from "../../core/agent-source.js";
import { openFailure, streamFailure } from "./classify-letta-error.js";
import { mapLettaMessage, newMappingState } from "./map-letta-message.js";

/**
 * The core's `AgentSource` over the official Letta SDK. Sends with
 * `agents.messages.create({ streaming: true })` (letta-wire §1.1) and resumes with
 * `runs.messages.stream(runId, { starting_after })` (§1.3). The client must be built with
 * `maxRetries: 0`: retries are the core's business, and the SDK's own would re-send a message.
 */
export function createLettaAgentSource(client: Letta): AgentSource {
  return {
    async open(request: OpenRequest, signal: AbortSignal): Promise<AsyncIterator<UpstreamItem>> {
      const background = request.mode === "send" && request.background;
      let stream: AsyncIterable<unknown>;
      try {
        stream =
          request.mode === "send"
            ? await client.agents.messages.create(
                request.agentId,
                {
                  input: request.message,
                  streaming: true,
                  stream_tokens: request.streamTokens,
                  include_pings: true,
                  ...(request.background ? { background: true } : {}),
                },
                { signal },
              )
            : await client.runs.messages.stream(
                request.lettaRunId,
                { starting_after: request.startingAfter, include_pings: true },
                { signal },
              );
      } catch (error) {
        throw openFailure(error, request.agentId, background, signal);
      }
      return mapStream(stream[Symbol.asyncIterator](), signal);
    },

    async cancel(agentId: string, lettaRunId: string | undefined): Promise<void> {
      try {
        await client.agents.messages.cancel(
          agentId,
          lettaRunId === undefined ? {} : { run_ids: [lettaRunId] },
        );
      } catch {
        // Best effort: 409 means Letta had nothing left to cancel, which is what we wanted.
      }
    },
  };
}

/** Maps each Letta message and turns read errors into the core's failures. */
function mapStream(iterator: AsyncIterator<unknown>, signal: AbortSignal): AsyncIterator<UpstreamItem> {
  const state = newMappingState();
  return {
    async next(): Promise<IteratorResult<UpstreamItem>> {
      let result: IteratorResult<unknown>;
      try {
        result = await iterator.next();
      } catch (error) {
        throw streamFailure(error, signal);
      }
      if (result.done) return { done: true, value: undefined };
      return { done: false, value: mapLettaMessage(result.value as Record<string, unknown>, state) };
    },
    async return(): Promise<IteratorResult<UpstreamItem>> {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
}
