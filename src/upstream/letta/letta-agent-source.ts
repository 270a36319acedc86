import type Letta from "@letta-ai/letta-client";
import type { AgentSource, OpenRequest, UpstreamItem, UpstreamStream } from "../../core/agent-source.js";
import { openFailure, streamFailure } from "./classify-letta-error.js";
import { decodeLettaStream, type LettaMessages } from "./decode-letta-stream.js";
import { mapLettaMessage, newMappingState } from "./map-letta-message.js";

/**
 * The core's `AgentSource` over the official Letta SDK. Sends through Letta's conversation
 * endpoint, `conversations.messages.create` (letta-wire §1.6: `default` + `agent_id` for the
 * agent's own conversation), with the message's `otid`, so that Letta takes its per-conversation
 * lock and can attach a resend to the run it already started (§1.3); resumes with
 * `runs.messages.stream(runId, { starting_after })`. The client must be built with
 * `maxRetries: 0`: retries are the core's business, and the SDK's own would re-send a message.
 *
 * The SDK makes every request and types its errors; the streaming body is taken raw
 * (`asResponse()`) and decoded by `decodeLettaStream`, which yields what the SDK's `Stream` would,
 * at a fraction of its cost per event (its decoding was about half the service's CPU at full speed).
 */
export function createLettaAgentSource(client: Letta): AgentSource {
  return {
    async open(request: OpenRequest, signal: AbortSignal): Promise<UpstreamStream> {
      const background = request.mode === "send" && request.background;
      let response: Response;
      try {
        response = await (
          request.mode === "send"
            ? client.conversations.messages.create(
                request.conversationId,
                {
                  ...(request.conversationId === "default" ? { agent_id: request.agentId } : {}),
                  messages: [{ role: "user", content: request.message, otid: request.otid }],
                  streaming: true,
                  stream_tokens: request.streamTokens,
                  include_pings: true,
                  ...(request.background ? { background: true } : {}),
                },
                { signal },
              )
            : client.runs.messages.stream(
                request.lettaRunId,
                { starting_after: request.startingAfter, include_pings: true },
                { signal },
              )
        ).asResponse();
      } catch (error) {
        throw openFailure(error, request.agentId, background, signal);
      }
      return mapStream(decodeLettaStream(response), signal);
    },

    async createConversation(agentId: string, signal: AbortSignal): Promise<string> {
      try {
        return (await client.conversations.create({ agent_id: agentId }, { signal })).id;
      } catch (error) {
        throw openFailure(error, agentId, false, signal);
      }
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
function mapStream(iterator: LettaMessages, signal: AbortSignal): UpstreamStream {
  const state = newMappingState();
  const mapped = (result: IteratorResult<unknown>): IteratorResult<UpstreamItem> =>
    result.done
      ? { done: true, value: undefined }
      : { done: false, value: mapLettaMessage(result.value as Record<string, unknown>, state) };
  const failed = (error: unknown): never => {
    throw streamFailure(error, signal);
  };
  return {
    // A message already decoded is mapped at once, in one resolved promise; only a read of the
    // body goes through `then` (this is once per event: every promise and microtask counts).
    next: (): Promise<IteratorResult<UpstreamItem>> =>
      iterator.ready
        ? Promise.resolve({
            done: false,
            value: mapLettaMessage(iterator.take() as Record<string, unknown>, state),
          })
        : iterator.next().then(mapped, failed),
    takeReady: (): UpstreamItem | undefined =>
      iterator.ready ? mapLettaMessage(iterator.take() as Record<string, unknown>, state) : undefined,
    async return(): Promise<IteratorResult<UpstreamItem>> {
      await iterator.return();
      return { done: true, value: undefined };
    },
  };
}
