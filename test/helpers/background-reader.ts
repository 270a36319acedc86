import type { FanoutEvent } from "../../src/protocol/events.js";
import { sseFrames } from "./sse-client.js";

/** An SSE frame as it went over the wire (comments aside), comparable with `toEqual`. */
export interface WireFrame {
  id: string | undefined;
  event: string | undefined;
  data: string;
  retry: string | undefined;
}

/** A stream read in the background: `frames` grows as they come; `done` resolves to all of them. */
export interface BackgroundRead {
  readonly frames: WireFrame[];
  readonly done: Promise<WireFrame[]>;
}

/**
 * Starts reading an SSE response at once, so a test can wait for some frames (`waitFor(() =>
 * reading.frames.length >= 3, …)`), act, then take them all. Give the request a deadline
 * (`signal: AbortSignal.timeout(…)`) so a stream that never ends fails `done`.
 *
 * @throws Error when the response is not a 2xx stream.
 */
export function readInBackground(response: Response): BackgroundRead {
  if (!response.ok) throw new Error(`expected an event stream, got ${response.status}`);
  const frames: WireFrame[] = [];
  const done = (async () => {
    for await (const { id, event, data, retry } of sseFrames(response))
      frames.push({ id, event, data, retry });
    return frames;
  })();
  // Awaited when the test needs it; a failure before then must not be an unhandled rejection.
  done.catch(() => undefined);
  return { frames, done };
}

/** The events the frames carry (an `error` frame's data parses too: check `event` first). */
export function eventsOf(frames: readonly WireFrame[]): FanoutEvent[] {
  return frames.map((frame) => JSON.parse(frame.data) as FanoutEvent);
}
