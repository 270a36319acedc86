import type { ServerResponse } from "node:http";
import type { SimRun } from "./run-store.js";
import type { SimulatorContext } from "./simulator-context.js";
import { SseStream, type StreamFault } from "./sse-stream.js";
import type { StreamShape } from "./stream-shape.js";

/** How one SSE response of a run is set up. */
export interface OpenStreamOptions {
  readonly keepalive: boolean;
  readonly faults: readonly StreamFault[];
  readonly shape: StreamShape;
  /** `starting_after` of a resume; null for the original request. */
  readonly resumedFrom: number | null;
}

/** Starts an SSE response for a run: records it, tracks it for shutdown, sets its headers. */
export function openSseStream(
  context: SimulatorContext,
  res: ServerResponse,
  run: SimRun,
  options: OpenStreamOptions,
): SseStream {
  const record = context.recorder.openStream(run.agentId, run.id, run.background, options.resumedFrom);
  const stream = new SseStream({
    res,
    recorder: context.recorder,
    record,
    runId: run.id,
    keepalive: options.keepalive,
    pingIntervalMs: context.settings.pingIntervalMs,
    background: run.background,
    faults: options.faults,
    shape: options.shape,
    onClosed: (closed) => context.streams.delete(closed),
  });
  context.streams.add(stream);
  stream.open();
  return stream;
}
