import { describe, expect, it } from "vitest";
import { createScrubber } from "./scrub-secrets.js";

describe("createScrubber", () => {
  const scrub = createScrubber(["sk-abc/def+gh", "tok-12345", null, "abc"]);

  it("replaces each secret as written, JSON-escaped and URL-encoded", () => {
    expect(scrub("key sk-abc/def+gh and tok-12345")).toBe("key [redacted] and [redacted]");
    expect(scrub(`{"k":${JSON.stringify("sk-abc/def+gh")}}`)).toBe('{"k":"[redacted]"}');
    expect(scrub(`?key=${encodeURIComponent("sk-abc/def+gh")}`)).toBe("?key=[redacted]");
  });

  it("replaces any bearer credential, whoever's, keeping the word", () => {
    expect(scrub("Authorization: Bearer someone-elses.token==, then text")).toBe(
      "Authorization: Bearer [redacted], then text",
    );
    expect(scrub("authorization: bearer  xyz12345")).toBe("authorization: bearer  [redacted]");
  });

  it("leaves short values and ordinary text alone", () => {
    expect(scrub("abc is not a secret; neither is a Bearer of news.")).toBe(
      "abc is not a secret; neither is a Bearer of news.",
    );
    expect(scrub("plain text")).toBe("plain text");
  });
});
