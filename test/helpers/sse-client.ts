import type { FanoutEvent } from "../../src/protocol/events.js";

/** One SSE frame as a client sees it. */
export interface SseFrame {
  id: string | undefined;
  event: string | undefined;
  data: string;
  retry: string | undefined;
}

/**
 * A strict little SSE parser over a fetch Response body (not EventSource: tests need to see
 * every field, comments and frame boundaries exactly). Yields frames; `comments` counts `:` lines.
 */
export async function* sseFrames(
  response: Response,
  stats: { comments: number; bytes: number } = { comments: 0, bytes: 0 },
): AsyncGenerator<SseFrame> {
  if (!response.body) throw new Error("response has no body");
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    stats.bytes += chunk.byteLength;
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = { id: undefined, event: undefined, data: "", retry: undefined };
      let hasData = false;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          stats.comments += 1;
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") frame.id = value;
        else if (field === "event") frame.event = value;
        else if (field === "retry") frame.retry = value;
        else if (field === "data") {
          frame.data = hasData ? `${frame.data}\n${value}` : value;
          hasData = true;
        } else throw new Error(`unexpected SSE field ${JSON.stringify(field)} in ${JSON.stringify(block)}`);
      }
      if (hasData || frame.event !== undefined) yield frame;
    }
  }
}

/** Reads a run stream to its end: every event, parsed, checked against its frame's fields. */
export async function readEvents(response: Response): Promise<FanoutEvent[]> {
  const events: FanoutEvent[] = [];
  for await (const frame of sseFrames(response)) {
    if (frame.event === "error") throw new Error(`reader error frame: ${frame.data}`);
    const event = JSON.parse(frame.data) as FanoutEvent;
    if (event.type !== frame.event) throw new Error(`event: ${frame.event} but type ${event.type}`);
    events.push(event);
  }
  return events;
}

/** The text of each agent's messages of one kind, joined per message in seq order. */
export function reassemble(events: readonly FanoutEvent[], kind: "assistant" | "reasoning" = "assistant") {
  const byAgent: Record<string, string> = {};
  for (const event of events) {
    if (event.type === "agent.delta" && event.kind === kind) {
      byAgent[event.agent_id] = (byAgent[event.agent_id] ?? "") + event.text;
    }
  }
  return byAgent;
}

/** Events of one type (typed). */
export function ofType<T extends FanoutEvent["type"]>(events: readonly FanoutEvent[], type: T) {
  return events.filter((event): event is Extract<FanoutEvent, { type: T }> => event.type === type);
}
