import { FanoutEvent, ReaderError } from "../protocol/events.js";
import { FanoutError } from "./fanout-error.js";
import type { SseMessage } from "./sse-parser.js";

/**
 * Validates one SSE message of a run's event stream against the protocol (API.md §3): JSON
 * data that `FanoutEvent` accepts, whose `type` matches the `event:` field and whose `run_id`
 * is the run being read. Anything else is a FanoutError `invalid_event`.
 */
export function parseEventMessage(message: SseMessage, runId: string): FanoutEvent {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch (error) {
    throw invalidEvent(message, "its data is not JSON", error);
  }
  const parsed = FanoutEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw invalidEvent(message, `it does not match the protocol (${where}${issue?.message ?? "invalid"})`);
  }
  const event = parsed.data;
  if (event.type !== message.type) {
    throw invalidEvent(message, `its frame says event: ${message.type} but its data says ${event.type}`);
  }
  if (event.run_id !== runId) throw invalidEvent(message, `it belongs to run ${event.run_id}`);
  if (!message.hasId) throw invalidEvent(message, "its frame has no id: (no cursor to resume from)");
  return event;
}

/**
 * The FanoutError of a reader-level `event: error` frame (API.md §3): its own code
 * (`cursor_expired`, `shutting_down`, `unauthorized`) and message.
 */
export function readerError(message: SseMessage): FanoutError {
  try {
    const parsed = ReaderError.safeParse(JSON.parse(message.data));
    if (parsed.success) return new FanoutError(parsed.data.code, parsed.data.message);
  } catch {
    // Falls through to the generic error below.
  }
  return new FanoutError("invalid_event", `The service sent an error frame the client cannot read.`);
}

function invalidEvent(message: SseMessage, why: string, cause?: unknown): FanoutError {
  const id = message.hasId ? ` ${message.lastEventId}` : "";
  return new FanoutError("invalid_event", `Event${id} (${message.type}) is invalid: ${why}.`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
