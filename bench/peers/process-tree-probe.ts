import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { ProcessWindow } from "../process-probe.js";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;
const RSS_SAMPLE_MS = 20;

/** `pid` and every process below it (nginx's master and its worker), from /proc's children lists. */
export function processTree(pid: number): number[] {
  const found: number[] = [];
  const visit = (current: number) => {
    found.push(current);
    for (const task of tasks(current)) {
      const children = read(`/proc/${current}/task/${task}/children`)?.trim();
      if (children) for (const child of children.split(/\s+/)) visit(Number(child));
    }
  };
  visit(pid);
  return found;
}

function tasks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * CPU time of the processes, µs: the time each thread spent on a CPU (the first field of
 * /proc/<pid>/task/<tid>/schedstat, in ns, the figure utime+stime are scaled from), or where the
 * kernel keeps no schedstat, utime+stime of /proc/<pid>/stat (10 ms ticks).
 */
function cpuUs(pids: readonly number[]): { total: number; user: number; system: number } {
  let total = 0;
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    // Fields after the command (in parentheses, which may hold spaces): utime is 14th, stime 15th.
    const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ") ?? [];
    const ticksUser = (Number(fields[11]) * 1e6) / USER_HZ;
    const ticksSystem = (Number(fields[12]) * 1e6) / USER_HZ;
    let scheduled = 0;
    let precise = true;
    for (const task of tasks(pid)) {
      const ns = Number(read(`/proc/${pid}/task/${task}/schedstat`)?.split(" ")[0]);
      if (Number.isFinite(ns)) scheduled += ns / 1000;
      else precise = false;
    }
    const ticks =
      (Number.isFinite(ticksUser) ? ticksUser : 0) + (Number.isFinite(ticksSystem) ? ticksSystem : 0);
    total += precise ? scheduled : ticks;
    user += Number.isFinite(ticksUser) ? ticksUser : 0;
    system += Number.isFinite(ticksSystem) ? ticksSystem : 0;
  }
  return { total, user, system };
}

function statusKib(pid: number, field: "VmRSS" | "VmHWM"): number {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(read(`/proc/${pid}/status`) ?? "")?.[1];
  return kib === undefined ? 0 : Number(kib);
}

const rssBytes = (pids: readonly number[]) =>
  pids.reduce((sum, pid) => sum + statusKib(pid, "VmRSS"), 0) * 1024;

/**
 * Measures another process and its children (a peer the bench did not write: nginx, uvicorn) from
 * the outside, in the load client, so the figures are the peer's own: CPU time over the window
 * (per-thread schedstat at ns resolution, summed; a thread that exits inside the window takes its
 * time with it), RSS at start, peak (the kernel's `VmHWM`, reset through /proc/<pid>/clear_refs,
 * or 20 ms samples where that cannot be reset) and end, summed over the processes. There is no
 * event loop of ours to watch, so the event-loop delay is reported as NaN (shown as "—").
 */
export function createProcessTreeProbe(rootPid: number): { begin(): void; end(): ProcessWindow } {
  let pids: number[] = [rootPid];
  let cpu = cpuUs(pids);
  let startedAt = performance.now();
  let rssStart = 0;
  let rssPeak = 0;
  let kernelPeak = false;
  let sampler: NodeJS.Timeout | undefined;
  const sample = () => (rssPeak = Math.max(rssPeak, rssBytes(pids)));
  return {
    begin() {
      clearInterval(sampler);
      pids = processTree(rootPid);
      kernelPeak = pids.every((pid) => {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, "5");
          return true;
        } catch {
          return false;
        }
      });
      rssStart = rssBytes(pids);
      rssPeak = rssStart;
      sampler = kernelPeak ? undefined : setInterval(sample, RSS_SAMPLE_MS).unref();
      startedAt = performance.now();
      cpu = cpuUs(pids);
    },
    end() {
      const used = cpuUs(pids);
      const wallMs = performance.now() - startedAt;
      clearInterval(sampler);
      sampler = undefined;
      sample();
      if (kernelPeak)
        rssPeak = Math.max(rssPeak, pids.reduce((sum, pid) => sum + statusKib(pid, "VmHWM"), 0) * 1024);
      return {
        cpuUs: used.total - cpu.total,
        userUs: used.user - cpu.user,
        systemUs: used.system - cpu.system,
        wallMs,
        rssStartBytes: rssStart,
        rssPeakBytes: rssPeak,
        rssEndBytes: rssBytes(pids),
        eventLoopDelayP99Ms: Number.NaN,
        eventLoopDelayMaxMs: Number.NaN,
      };
    },
  };
}
