import { describe, expect, it } from "vitest";
import { bearerToken } from "./bearer-token.js";

describe("bearerToken", () => {
  it("reads the token whatever the scheme's case and the spaces around it", () => {
    for (const header of [
      "Bearer tok-1",
      "bearer tok-1",
      "BEARER  tok-1",
      " Bearer\t tok-1  ",
      "Bearer tok-1\t",
    ]) {
      expect(bearerToken(header), header).toBe("tok-1");
    }
  });

  it("finds no token in other schemes, an empty credential or one with whitespace inside", () => {
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Basic dXNlcjpwdw==",
      "Bearertok-1",
      "Bearer a b",
    ]) {
      expect(bearerToken(header), String(header)).toBeUndefined();
    }
  });
});
