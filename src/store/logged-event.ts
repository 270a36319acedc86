import { encodeEventFrame } from "../protocol/sse-frame.js";
import type { StoredEvent } from "./event-store.js";

/**
 * A run-log entry that keeps its event only as the encoded SSE frame (off the JS heap, in
 * Buffer's shared slabs). Measured in bench/ scenario B, keeping the JSON string beside the
 * frame cost about 1.5 KB per event; `json` is now decoded on the rare occasions it is asked for.
 */
export class LoggedEvent implements StoredEvent {
  constructor(
    readonly seq: number,
    readonly type: string,
    readonly agentId: string | undefined,
    readonly runId: string,
    readonly global: number,
    readonly frame: Buffer,
  ) {}

  /** An event stamped just now: its frame is encoded from its JSON, once. */
  static encode(
    seq: number,
    type: string,
    agentId: string | undefined,
    runId: string,
    global: number,
    json: string,
  ): LoggedEvent {
    return new LoggedEvent(seq, type, agentId, runId, global, encodeEventFrame(seq, type, json));
  }

  get json(): string {
    // Frame: `id: <seq>\nevent: <type>\ndata: <json>\n\n`; the prefix is ASCII.
    const prefix = 4 + String(this.seq).length + 8 + this.type.length + 7;
    return this.frame.toString("utf8", prefix, this.frame.length - 2);
  }
}
