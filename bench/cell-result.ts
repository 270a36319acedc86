import type { Scenario, StoreName, TargetName } from "./bench-cell.js";
import type { DeliveryCounts } from "./delivery-ledger.js";
import type { LatencySummary } from "./latency-samples.js";
import type { ProcessWindow } from "./process-probe.js";
import type { StoreWindow } from "./store-window.js";

/** Everything measured for one target on one cell; the JSON results hold a list of these. */
export interface CellResult {
  scenario: Scenario;
  cell: string;
  target: TargetName;
  /** The service's store (undefined for direct and raw-node). */
  store: StoreName | undefined;
  /** What went wrong (timeouts, HTTP errors, failed agents, seq gaps); empty when clean. */
  problems: string[];
  readers: number;
  /** Readers that parsed every delta (latency, text); the others counted frames and checked seq. */
  fullReaders: number;
  /** Event frames delivered to all readers (for direct: the Letta data frames it read). */
  deliveredEvents: number;
  deliveredDeltas: number;
  /** First request sent → last frame received, ms (summed over repeats). */
  wallMs: number;
  /** Upstream let go (or first request, when not held) → last frame, ms (summed over repeats). */
  loadMs: number;
  eventsPerSecond: number;
  /** Host-clock send → receive of every delta a full reader got, ms. */
  latency: LatencySummary;
  /** Request sent → first agent.delta received, ms, one sample per run; undefined when held (C). */
  ttfe: LatencySummary | undefined;
  /** The target process over the cell (undefined for direct). */
  server: ProcessWindow | undefined;
  serverCpuUsPerEvent: number | undefined;
  /** (peak − start RSS) ÷ readers, for cells with many readers (C); an upper bound per reader. */
  rssPerReaderBytes: number | undefined;
  /** The upstream emitter over the cell: calibration, must be far below the targets. */
  upstream: ProcessWindow;
  upstreamDeltas: number;
  upstreamCpuUsPerDelta: number | undefined;
  /** The load client's own CPU per delivered event (it shares a core with the upstream). */
  clientCpuUsPerEvent: number | undefined;
  /** Body bytes on the wire to all readers, and per delivered event. */
  bytes: number;
  bytesPerEvent: number | undefined;
  /** Missing, duplicated, out-of-order, corrupt deltas and text mismatches: must all be 0. */
  counts: DeliveryCounts;
  /** What the service's store did over the cell (runs, events, ticks; Redis's own counters). */
  storeWindow: StoreWindow | undefined;
}
