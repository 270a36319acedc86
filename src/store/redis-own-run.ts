import type { RunSnapshot } from "../protocol/run-snapshot.js";
import type { EventLog } from "./event-log.js";
import type { RunMeta } from "./event-store.js";

/** A run this instance writes: its next seq, its snapshot, and its durable events. */
export interface OwnRun {
  meta: RunMeta;
  runIdJson: string;
  lastSeq: number;
  snapshot: RunSnapshot;
  /** Events Redis has acknowledged: what readers of this instance may see. */
  log: EventLog;
  endedAt: number | undefined;
  /**
   * Redis has the run (its meta and lease): false from `createRun` until its first batch is
   * acknowledged. Until then its lease is not renewed: the renew script would find neither lease
   * nor meta and call the run lost, and the instance would drop a run it just started.
   */
  inRedis: boolean;
  /** Resolves when `inRedis` becomes true (or the run leaves this instance). */
  stored: Promise<void>;
  markStored: () => void;
}

/** A run's `inRedis` flag with the promise that resolves when it turns true. */
export function storedFlag(inRedis: boolean): Pick<OwnRun, "inRedis" | "stored" | "markStored"> {
  let markStored: () => void = () => undefined;
  const stored = inRedis ? Promise.resolve() : new Promise<void>((resolve) => (markStored = resolve));
  return { inRedis, stored, markStored };
}
