import { readFileSync } from "node:fs";

/** CPU time of the whole host and of this process with its children, in clock ticks. */
export interface HostCpu {
  /** Busy time of all cores (user, nice, system, irq, softirq, steal) from /proc/stat. */
  busy: number;
  /** Busy and idle (idle, iowait) time of all cores. */
  total: number;
  /** This process's utime + stime + cutime + cstime: its own CPU and its children's once reaped. */
  own: number;
}

/** Reads /proc/stat and /proc/self/stat; undefined where there is no /proc. */
export function readHostCpu(): HostCpu | undefined {
  try {
    const cpu = /^cpu\s+(.*)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]?.split(/\s+/).map(Number);
    if (!cpu || cpu.length < 8) return undefined;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
    const busy = user + nice + system + irq + softirq + steal;
    // /proc/self/stat: the command may hold spaces, so count fields after its closing parenthesis.
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const own = (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
    return { busy, total: busy + idle + iowait, own };
  } catch {
    return undefined;
  }
}

/**
 * The share of the host's CPU that other processes used between `start` and now: all cores' busy
 * time less this process's and its reaped children's (the bench, its upstream, targets, peers and
 * redis-server, all ended by the time this is read), ÷ all cores' time. Unlike the load average,
 * which counts the bench's own processes too, this says whether something else was running.
 */
export function otherCpuShare(start: HostCpu | undefined): number | undefined {
  const end = readHostCpu();
  if (!start || !end || end.total <= start.total) return undefined;
  const others = end.busy - start.busy - (end.own - start.own);
  return Math.max(0, others) / (end.total - start.total);
}
