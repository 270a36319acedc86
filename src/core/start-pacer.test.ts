import { describe, expect, it } from "vitest";
import { StartPacer } from "./start-pacer.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("StartPacer", () => {
  it("starts up to perTurn at once and the rest in later turns, in order", async () => {
    const pacer = new StartPacer(16);
    const started: number[] = [];
    for (let index = 0; index < 40; index++) pacer.start(() => started.push(index));
    expect(started).toEqual([...Array(16).keys()]);
    await nextTurn();
    expect(started).toHaveLength(32);
    await nextTurn();
    expect(started).toEqual([...Array(40).keys()]);
  });

  it("gives a new turn its whole budget, and drops waiting starts on stop", async () => {
    const pacer = new StartPacer(2);
    const started: string[] = [];
    pacer.start(() => started.push("a"));
    pacer.start(() => started.push("b"));
    pacer.start(() => started.push("c"));
    await nextTurn();
    expect(started).toEqual(["a", "b", "c"]);
    await nextTurn();
    pacer.start(() => started.push("d"));
    pacer.start(() => started.push("e"));
    pacer.start(() => started.push("f"));
    pacer.stop();
    await nextTurn();
    expect(started).toEqual(["a", "b", "c", "d", "e"]);
  });
});
