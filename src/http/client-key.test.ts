import { describe, expect, it } from "vitest";
import { addressKey, tokenKey } from "./client-key.js";

describe("addressKey", () => {
  it("keys IPv4 by the address, also when a dual-stack socket reports it as ::ffff:a.b.c.d", () => {
    expect(addressKey("203.0.113.7")).toBe("ip:203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("ip:203.0.113.7");
    expect(addressKey(undefined)).toBe("ip:unknown");
  });

  it("keys IPv6 by its /64, however the address is written", () => {
    const key = "ip:2001:db8:0:1::/64";
    for (const address of [
      "2001:db8:0:1::1",
      "2001:0db8:0000:0001:ffff:0:0:2",
      "2001:db8::1:0:0:0:3",
      "2001:db8:0:1::9%eth0",
    ]) {
      expect(addressKey(address), address).toBe(key);
    }
    expect(addressKey("2001:db8:0:2::1")).not.toBe(key);
    expect(addressKey("::1")).toBe("ip:0:0:0:0::/64");
  });
});

describe("tokenKey", () => {
  it("names a token by a hash prefix, never by the token", () => {
    const key = tokenKey("tok-secret-abcdef");
    expect(key).toMatch(/^token:[0-9a-f]{16}$/);
    expect(key).not.toContain("secret");
    expect(tokenKey("tok-secret-abcdef")).toBe(key);
    expect(tokenKey("tok-secret-abcdeg")).not.toBe(key);
  });
});
