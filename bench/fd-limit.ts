import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** A process's open-file limit, soft and hard (`Infinity` for unlimited). */
export interface FdLimit {
  soft: number;
  hard: number;
}

/** Reads "Max open files" of `/proc/<pid>/limits`; undefined where there is no /proc. */
export function readFdLimit(pid: number): FdLimit | undefined {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    if (!line?.[1] || !line[2]) return undefined;
    const value = (text: string) => (text === "unlimited" ? Infinity : Number(text));
    return { soft: value(line[1]), hard: value(line[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Makes sure process `pid` may open `needed` files: raises its soft limit with `prlimit` (to the
 * hard limit's value or `needed`, whichever is larger, which needs CAP_SYS_RESOURCE above the hard
 * limit). Node cannot call setrlimit on itself, and `prlimit --pid` works on the bench's own
 * process as on a child. Returns a note when the limit could not be raised, so the caller skips
 * the step and says why; undefined when the limit is (now) high enough.
 */
export function ensureFdLimit(pid: number, needed: number, name: string): string | undefined {
  const before = readFdLimit(pid);
  if (!before) return `${name}: no /proc/${pid}/limits to check the open-file limit`;
  if (before.soft >= needed) return undefined;
  const target = Math.max(needed, before.hard === Infinity ? needed : before.hard);
  const hard = Math.max(target, before.hard);
  try {
    execFileSync(
      "prlimit",
      ["--pid", String(pid), `--nofile=${target}:${hard === Infinity ? "unlimited" : hard}`],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
  } catch (error) {
    // prlimit says why on stderr ("Operation not permitted": above the hard limit without root).
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    const why = stderr || (error instanceof Error ? error.message.split("\n")[0] : String(error));
    return `${name}: open-file limit ${before.soft} < ${needed} and prlimit failed (${why})`;
  }
  const after = readFdLimit(pid);
  return after && after.soft >= needed
    ? undefined
    : `${name}: open-file limit ${after?.soft ?? before.soft} < ${needed} after prlimit`;
}
