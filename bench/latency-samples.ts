/**
 * A growable list of latency samples (ms) with percentiles. Samples go into a Float64Array that
 * doubles when full, so recording costs no allocation per event.
 */
export class LatencySamples {
  private values = new Float64Array(1024);
  private size = 0;

  get count(): number {
    return this.size;
  }

  add(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  /** The p-th percentile (0–100, nearest rank), or undefined with no samples. */
  percentile(p: number): number | undefined {
    if (this.size === 0) return undefined;
    const sorted = this.values.slice(0, this.size).sort();
    const rank = Math.min(this.size - 1, Math.max(0, Math.ceil((p / 100) * this.size) - 1));
    return sorted[rank];
  }
}

/** p50/p90/p99/max of some samples, in ms; undefined fields when there were none. */
export interface LatencySummary {
  count: number;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

/** Summarizes samples (one sort per percentile; fine for the few summaries a cell makes). */
export function summarizeLatency(samples: LatencySamples): LatencySummary {
  return {
    count: samples.count,
    p50: samples.percentile(50),
    p90: samples.percentile(90),
    p99: samples.percentile(99),
    max: samples.percentile(100),
  };
}
