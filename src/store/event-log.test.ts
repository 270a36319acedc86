import { describe, expect, it } from "vitest";
import { EventLog } from "./event-log.js";
import type { StoredEvent } from "./event-store.js";

function event(seq: number): StoredEvent {
  return {
    seq,
    type: "agent.delta",
    agentId: "a",
    runId: "r",
    json: "{}",
    frame: Buffer.alloc(0),
    global: seq,
  };
}

/** Lets queued microtasks and the log's setImmediate wake-up run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("EventLog.watch", () => {
  it("wakes a watcher once when an event comes after its cursor, then forgets it", async () => {
    const log = new EventLog(10);
    let woken = 0;
    log.watch(0, () => (woken += 1));
    expect(log.waiting).toBe(1);
    log.push(event(1));
    log.push(event(2));
    await settle();
    expect(woken).toBe(1);
    expect(log.waiting).toBe(0);
    log.push(event(3));
    await settle();
    expect(woken).toBe(1);
  });

  it("wakes at once (in a microtask) when the log is already past the cursor or ended", async () => {
    const log = new EventLog(10);
    log.push(event(1));
    let woken = 0;
    log.watch(0, () => (woken += 1));
    expect(log.waiting).toBe(0);
    await Promise.resolve();
    expect(woken).toBe(1);
    log.end();
    log.watch(1, () => (woken += 1));
    await Promise.resolve();
    expect(woken).toBe(2);
  });

  it("never calls a watcher taken back with unwatch", async () => {
    const log = new EventLog(10);
    let woken = 0;
    const wake = () => (woken += 1);
    log.watch(0, wake);
    log.unwatch(wake);
    expect(log.waiting).toBe(0);
    log.push(event(1));
    await settle();
    expect(woken).toBe(0);
  });
});
