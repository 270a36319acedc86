import { describe, expect, it } from "vitest";
import { PyRaw, PyTuple, pythonRepr } from "./python-repr.js";

describe("pythonRepr", () => {
  it("writes dicts, lists, tuples and constants the way Python does", () => {
    expect(pythonRepr({ a: [1, true, null], b: new PyTuple(["body"]), c: new PyTuple(["body", 0]) })).toBe(
      "{'a': [1, True, None], 'b': ('body',), 'c': ('body', 0)}",
    );
  });

  it("picks quotes like Python and escapes what it must", () => {
    expect(pythonRepr("plain")).toBe("'plain'");
    expect(pythonRepr("it's")).toBe('"it\'s"');
    expect(pythonRepr(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pythonRepr("a\nb\\")).toBe("'a\\nb\\\\'");
    expect(pythonRepr(new PyRaw("ValueError('x')"))).toBe("ValueError('x')");
  });
});
