import { describe, expect, it } from "vitest";
import { ownValue } from "./own-value.js";

describe("ownValue", () => {
  it("finds own properties only, never the prototype's", () => {
    const panels: Record<string, number> = JSON.parse('{"duo": 2, "constructor": 3}') as Record<
      string,
      number
    >;
    expect(ownValue(panels, "duo")).toBe(2);
    expect(ownValue(panels, "constructor")).toBe(3);
    for (const name of ["__proto__", "toString", "hasOwnProperty", "valueOf", "nope"]) {
      expect(ownValue(panels, name), name).toBeUndefined();
    }
  });
});
