/** Label values of one series, e.g. `{ status: "completed" }`. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A deliberately small Prometheus text-format registry: counters, gauges read at scrape time,
 * and fixed-bucket histograms. Enough for `/metrics` without a dependency; updates are a map
 * lookup and an add.
 */
export class PrometheusRegistry {
  private readonly counters = new Map<string, { help: string; series: Map<string, number> }>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const entry = { help, series: new Map<string, number>() };
    this.counters.set(name, entry);
    return (labels = {}, by = 1) => {
      const key = labelText(labels);
      entry.series.set(key, (entry.series.get(key) ?? 0) + by);
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  histogram(name: string, help: string, buckets: readonly number[]): (value: number) => void {
    const histogram: Histogram = { help, buckets, counts: buckets.map(() => 0), sum: 0, count: 0 };
    this.histograms.set(name, histogram);
    return (value) => {
      histogram.sum += value;
      histogram.count += 1;
      for (let index = 0; index < buckets.length; index += 1) {
        if (value <= (buckets[index] ?? Infinity))
          histogram.counts[index] = (histogram.counts[index] ?? 0) + 1;
      }
    };
  }

  /** The exposition text (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    for (const [name, { help, series }] of this.counters) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      if (series.size === 0) lines.push(`${name} 0`);
      for (const [labels, value] of series) lines.push(`${name}${labels} ${value}`);
    }
    for (const [name, { help, read }] of this.gauges) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    for (const [name, histogram] of this.histograms) {
      lines.push(`# HELP ${name} ${histogram.help}`, `# TYPE ${name} histogram`);
      histogram.buckets.forEach((bound, index) => {
        lines.push(`${name}_bucket{le="${bound}"} ${histogram.counts[index] ?? 0}`);
      });
      lines.push(`${name}_bucket{le="+Inf"} ${histogram.count}`);
      lines.push(`${name}_sum ${histogram.sum}`, `${name}_count ${histogram.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

interface Histogram {
  help: string;
  buckets: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/["\\\n]/g, "_")}"`).join(",")}}`;
}
