import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RpcMap, RpcReply, RpcRequest } from "./rpc-protocol.js";

/** A bench child process and its calls. */
export interface ChildHandle<M extends RpcMap<M>> {
  readonly name: string;
  readonly pid: number;
  /** Calls the child; rejects with the child's error, or after `timeoutMs`. */
  call<K extends keyof M & string>(
    kind: K,
    payload: M[K]["payload"],
    timeoutMs?: number,
  ): Promise<M[K]["result"]>;
  /** Ends the child (SIGTERM, then SIGKILL after a second) and waits for it to exit. */
  close(): Promise<void>;
}

/** How to start a child. */
export interface ChildOptions {
  name: string;
  /** Pin the child (and every thread it starts) to this core with taskset. */
  core?: number;
  /** Ready within this long, or the start fails. */
  startTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * Starts `script` (a compiled bench child, resolved against this file) in its own Node process
 * with an IPC channel, pinned with `taskset -c <core>` when asked (taskset execs node, so the pid
 * and the channel stay the child's own), and resolves once the child says it is ready.
 */
export async function startChild<M extends RpcMap<M>>(
  script: string,
  options: ChildOptions,
): Promise<ChildHandle<M>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every child there (see bench/README.md).
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  // BENCH_TRACE_GC=<dir> runs every child with --trace-gc, its stdout (where V8 prints the
  // trace) in <dir>/<name>-<pid>.log, so GC pauses can be counted per target.
  const traceDir = process.env.BENCH_TRACE_GC;
  const trace = traceDir ? ["--trace-gc"] : [];
  const args = ["--max-old-space-size=2048", ...profile, ...trace, path];
  const stdout = traceDir ? "pipe" : "inherit";
  const child: ChildProcess =
    options.core === undefined
      ? spawn(process.execPath, args, { stdio: ["ignore", stdout, "inherit", "ipc"] })
      : spawn("taskset", ["-c", String(options.core), process.execPath, ...args], {
          stdio: ["ignore", stdout, "inherit", "ipc"],
        });
  if (traceDir && child.stdout) {
    child.stdout.pipe(createWriteStream(join(traceDir, `${options.name}-${child.pid ?? 0}.log`)));
  }
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      for (const waiter of pending.values()) {
        waiter.reject(new Error(`${options.name} exited (code ${code}, signal ${signal})`));
      }
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 10_000} ms`)),
      options.startTimeoutMs ?? 10_000,
    );
    child.on("message", (message: RpcReply) => {
      if ("ready" in message) {
        clearTimeout(timer);
        resolve();
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if ("error" in message) waiter?.reject(new Error(`${options.name}: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited before it was ready`));
    });
  });
  await ready;
  const pid = child.pid ?? -1;
  return {
    name: options.name,
    pid,
    call(kind, payload, timeoutMs = DEFAULT_CALL_TIMEOUT_MS) {
      if (exited) return Promise.reject(new Error(`${options.name} has exited`));
      const id = nextId++;
      const request: RpcRequest = { id, kind, payload };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name}: ${kind} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send(request);
      });
    },
    async close() {
      if (exited) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 1000);
      await exit;
      clearTimeout(killer);
    },
  };
}
