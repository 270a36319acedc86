import { readFileSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** One process measured over a window, by itself (so the figures are its own). */
export interface ProcessWindow {
  /** utime + stime of every thread of the process (getrusage, µs resolution). */
  cpuUs: number;
  userUs: number;
  systemUs: number;
  wallMs: number;
  rssStartBytes: number;
  rssPeakBytes: number;
  rssEndBytes: number;
  /** How late the event loop ran a 10 ms timer over the window (p99 and max), ms. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

const DELAY_RESOLUTION_MS = 10;
const RSS_SAMPLE_MS = 20;

/**
 * Resets the kernel's peak-RSS mark (`VmHWM`) by writing 5 to /proc/self/clear_refs (Linux ≥ 4.0),
 * so the window's peak costs nothing to watch. False where that is not possible.
 */
function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function kernelPeakRss(): number | undefined {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Measures the calling process between `begin()` and `end()`: CPU from `process.cpuUsage()`
 * (the counters behind utime+stime in /proc/<pid>/stat, without its 10 ms ticks), peak RSS from
 * the kernel's high-water mark (or 20 ms samples where it cannot be reset), and event-loop delay
 * from `monitorEventLoopDelay`. Its histogram records the interval between its timer's runs, so
 * the resolution is taken off to report lateness. That monitor wakes the process 100 times a
 * second, a cost every target pays alike; upstreams turn it off (`eventLoopDelay: false`) so their
 * calibration stays clean.
 */
export function createProcessProbe(options: { eventLoopDelay: boolean } = { eventLoopDelay: true }): {
  begin(): void;
  end(): ProcessWindow;
} {
  let cpu = process.cpuUsage();
  let startedAt = performance.now();
  let rssStart = 0;
  let rssPeak = 0;
  let kernelPeak = false;
  let sampler: NodeJS.Timeout | undefined;
  let delay: IntervalHistogram | undefined;
  const sample = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  };
  const lateness = (ns: number) =>
    Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS) : 0;
  return {
    begin() {
      clearInterval(sampler);
      delay?.disable();
      delay = options.eventLoopDelay ? monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS }) : undefined;
      delay?.enable();
      kernelPeak = resetPeakRss();
      rssStart = process.memoryUsage.rss();
      rssPeak = rssStart;
      sampler = kernelPeak ? undefined : setInterval(sample, RSS_SAMPLE_MS).unref();
      startedAt = performance.now();
      cpu = process.cpuUsage();
    },
    end() {
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - startedAt;
      clearInterval(sampler);
      sampler = undefined;
      sample();
      if (kernelPeak) rssPeak = Math.max(rssPeak, kernelPeakRss() ?? 0);
      delay?.disable();
      const window: ProcessWindow = {
        cpuUs: used.user + used.system,
        userUs: used.user,
        systemUs: used.system,
        wallMs,
        rssStartBytes: rssStart,
        rssPeakBytes: rssPeak,
        rssEndBytes: process.memoryUsage.rss(),
        eventLoopDelayP99Ms: delay && delay.count > 0 ? lateness(delay.percentile(99)) : 0,
        eventLoopDelayMaxMs: delay && delay.count > 0 ? lateness(delay.max) : 0,
      };
      delay = undefined;
      return window;
    },
  };
}
