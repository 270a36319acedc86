import type { DeliveryLedger } from "./delivery-ledger.js";

/** What one run of the load produced, before the process windows are added. */
export interface LoadOutcome {
  problems: string[];
  deliveredEvents: number;
  deliveredDeltas: number;
  bytes: number;
  startedAt: number;
  /** Host time the held upstream streams were let go (readers attached first); undefined when not held. */
  releasedAt?: number;
  endedAt: number;
  ttfe: number | undefined;
  /** One per full reader. */
  ledgers: DeliveryLedger[];
  /** Light readers only count deltas: how many they lacked, or got too many, in all. */
  lightMissing: number;
  lightExtra: number;
}
