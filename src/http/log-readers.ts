import type { EventStore, StoredEvent } from "../store/event-store.js";
import type { LogReader } from "./stream-log.js";

/** One run's log: cursors are the run's `seq`, frames as encoded at append. */
export function runLogReader(store: EventStore, runId: string): LogReader {
  return {
    read: (after, max) => store.readRun(runId, after, max),
    wait: (after, signal) => store.waitRun(runId, after, signal),
    cursor: (event) => event.seq,
    frame: (event) => event.frame,
  };
}

const firehoseFrames = new WeakMap<StoredEvent, Buffer>();

/**
 * The firehose of all runs (`GET /v1/events`): cursors are firehose positions, so its frames
 * carry a different `id:`; each is encoded once on first use and shared by all firehose
 * readers. `panel` keeps only runs of that panel.
 */
export function firehoseReader(store: EventStore, panel: string | undefined): LogReader {
  return {
    read: (after, max) => store.readFirehose(after, max, panel),
    wait: (after, signal) => store.waitFirehose(after, signal),
    cursor: (event) => event.global,
    frame: (event) => {
      let frame = firehoseFrames.get(event);
      if (!frame) {
        // Same bytes as the run frame after its first line; only the `id:` differs.
        frame = Buffer.concat([
          Buffer.from(`id: ${event.global}\n`),
          event.frame.subarray(event.frame.indexOf(0x0a) + 1),
        ]);
        firehoseFrames.set(event, frame);
      }
      return frame;
    },
  };
}
