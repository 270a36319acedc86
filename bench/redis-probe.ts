import { createClient } from "redis";
import type { RedisKeys } from "../src/store/redis-keys.js";
import type { RedisWindow } from "./store-window.js";

interface InfoSnapshot {
  commands: number;
  reads: number;
  cpuUs: number;
  usedMemory: number;
  calls: Map<string, number>;
  usec: Map<string, number>;
  firehoseBytes: number;
  firehoseEntries: number;
}

/** A bulk string reply as text. */
const textOf = (reply: unknown) =>
  typeof reply === "string" ? reply : Buffer.isBuffer(reply) ? reply.toString() : "";

/** `key:value` lines of INFO; `cmdstat_<name>:calls=<n>,usec=<µs>,…` become `calls` and `usec`. */
function parseInfo(text: string): {
  fields: Map<string, string>;
  calls: Map<string, number>;
  usec: Map<string, number>;
} {
  const fields = new Map<string, string>();
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0 || line.startsWith("#")) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key.startsWith("cmdstat_")) {
      calls.set(key.slice(8), Number(/calls=(\d+)/.exec(value)?.[1] ?? 0));
      usec.set(key.slice(8), Number(/usec=(\d+)/.exec(value)?.[1] ?? 0));
    } else fields.set(key, value);
  }
  return { fields, calls, usec };
}

/**
 * Reads Redis's own counters around a cell, on a connection of its own (not the store's), from the
 * service's process but outside its CPU window: INFO stats, commandstats, cpu and memory at
 * `begin`, again at `end`, then `MEMORY USAGE … SAMPLES 0` (exact) and `XLEN` of the keys of the
 * runs the cell created. The probe's own commands are taken off the deltas.
 */
export async function createRedisProbe(
  url: string,
  keys: RedisKeys,
): Promise<{ begin(): Promise<void>; end(runIds: readonly string[]): Promise<RedisWindow>; close(): void }> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  const send = (args: string[]): Promise<unknown> => client.sendCommand(args);
  const number = (fields: Map<string, string>, key: string) => Number(fields.get(key) ?? 0);
  const usage = async (key: string) => Number((await send(["MEMORY", "USAGE", key, "SAMPLES", "0"])) ?? 0);

  // One INFO, then the firehose's size: the INFO is the first command of each snapshot, so the
  // counters it reports leave out itself and whatever the probe sends after it.
  const snapshot = async (): Promise<InfoSnapshot> => {
    const { fields, calls, usec } = parseInfo(
      textOf(await send(["INFO", "stats", "commandstats", "cpu", "memory"])),
    );
    const firehoseBytes = await usage(keys.firehose);
    const firehoseEntries = Number(await send(["XLEN", keys.firehose]));
    return {
      commands: number(fields, "total_commands_processed"),
      reads: number(fields, "total_reads_processed"),
      cpuUs: (number(fields, "used_cpu_user") + number(fields, "used_cpu_sys")) * 1e6,
      usedMemory: number(fields, "used_memory"),
      calls,
      usec,
      firehoseBytes,
      firehoseEntries,
    };
  };
  /** Commands and socket reads the probe itself adds between two snapshots' INFOs. */
  const OWN_COMMANDS = ["info", "memory|usage", "xlen"];
  const OWN_COMMAND_COUNT = 3;
  const OWN_READS = 3;

  let before: InfoSnapshot | undefined;
  return {
    async begin() {
      before = await snapshot();
    },
    async end(runIds) {
      const after = await snapshot();
      const start = before ?? after;
      const calls: Record<string, number> = {};
      for (const [name, count] of after.calls) {
        const delta = count - (start.calls.get(name) ?? 0) - (OWN_COMMANDS.includes(name) ? 1 : 0);
        if (delta > 0) calls[name] = delta;
      }
      let runLogBytes = 0;
      let runLogEntries = 0;
      let runKeyBytes = 0;
      for (const runId of runIds) {
        runLogBytes += await usage(keys.runLog(runId));
        runLogEntries += Number(await send(["XLEN", keys.runLog(runId)]));
        runKeyBytes += (await usage(keys.runMeta(runId))) + (await usage(keys.runSnapshot(runId)));
      }
      return {
        commands: after.commands - start.commands - OWN_COMMAND_COUNT,
        calls,
        scriptCalls: (calls.evalsha ?? 0) + (calls.eval ?? 0),
        scriptUs: ["evalsha", "eval"].reduce(
          (sum, name) => sum + (after.usec.get(name) ?? 0) - (start.usec.get(name) ?? 0),
          0,
        ),
        socketReads: after.reads - start.reads - OWN_READS,
        cpuUs: after.cpuUs - start.cpuUs,
        usedMemoryDeltaBytes: after.usedMemory - start.usedMemory,
        runLogBytes,
        runLogEntries,
        runKeyBytes,
        firehoseDeltaBytes: after.firehoseBytes - start.firehoseBytes,
        firehoseDeltaEntries: after.firehoseEntries - start.firehoseEntries,
      };
    },
    close() {
      client.destroy();
    },
  };
}
