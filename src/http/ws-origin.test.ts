import { describe, expect, it } from "vitest";
import { wsOriginPolicy } from "./ws-origin.js";

describe("wsOriginPolicy", () => {
  const host = "fanout.example.com:8787";

  it("allows clients that send no Origin (not browsers)", () => {
    expect(wsOriginPolicy([])(undefined, host)).toBe(true);
  });

  it("allows the service's own origin, by host, whatever the scheme", () => {
    const allowed = wsOriginPolicy([]);
    expect(allowed("http://fanout.example.com:8787", host)).toBe(true);
    expect(allowed("https://FANOUT.example.com:8787", host)).toBe(true);
    expect(allowed("https://fanout.example.com", "fanout.example.com:443")).toBe(true);
    expect(allowed("http://fanout.example.com:9999", host)).toBe(false);
    expect(allowed("http://fanout.example.com.evil.example:8787", host)).toBe(false);
    expect(allowed("http://fanout.example.com:8787", undefined)).toBe(false);
  });

  it("allows configured origins, compared as serialized origins", () => {
    const allowed = wsOriginPolicy(["https://Dash.example.com:443/"]);
    expect(allowed("https://dash.example.com", host)).toBe(true);
    expect(allowed("http://dash.example.com", host)).toBe(false);
    expect(allowed("https://evil.example", host)).toBe(false);
  });

  it("refuses opaque and malformed origins unless cors.origins is *", () => {
    expect(wsOriginPolicy([])("null", host)).toBe(false);
    expect(wsOriginPolicy([])("not an origin", host)).toBe(false);
    expect(wsOriginPolicy(["*"])("null", host)).toBe(true);
    expect(wsOriginPolicy(["*"])("https://evil.example", host)).toBe(true);
  });
});
