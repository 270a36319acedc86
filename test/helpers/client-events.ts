import type { FanoutEvent } from "../../src/protocol/events.js";

/** Reads a client event stream (a RunHandle, `runs.events`) to its end. */
export async function collect(events: AsyncIterable<FanoutEvent>): Promise<FanoutEvent[]> {
  const all: FanoutEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

export const seqs = (events: readonly FanoutEvent[]) => events.map((event) => event.seq);

/** 1, 2, …, n: the seqs of a gapless log of n events. */
export const oneTo = (n: number) => Array.from({ length: n }, (_, index) => index + 1);
