import { describe, expect, it } from "vitest";
import { tokenize } from "./tokenize.js";

describe("tokenize", () => {
  it("makes a token of each word and the whitespace after it", () => {
    expect(tokenize("Hello there,  world\n")).toEqual(["Hello ", "there,  ", "world\n"]);
  });

  it("cuts words longer than 8 characters, keeping the whitespace on the last piece", () => {
    expect(tokenize("extraordinarily long")).toEqual(["extraord", "inarily ", "long"]);
  });

  it("keeps leading whitespace as its own token and never splits a surrogate pair", () => {
    expect(tokenize("  hi")).toEqual(["  ", "hi"]);
    const emoji = "abcdefg😀xyz";
    const tokens = tokenize(emoji);
    expect(tokens).toEqual(["abcdefg", "😀xyz"]);
    expect(tokens.join("")).toBe(emoji);
  });

  it("gives back the text exactly when joined", () => {
    const text = '{"query":"what is backpressure?","limit":3}\n\tand    some   spacing ';
    expect(tokenize(text).join("")).toBe(text);
    expect(tokenize("")).toEqual([]);
  });
});
