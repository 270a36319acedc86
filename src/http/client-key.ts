import { createHash } from "node:crypto";
import { isIPv6 } from "node:net";
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `bearerAuth` when it accepted a token: that token's `tokenKey`. */
    acceptedTokenKey: string;
  }
}

/**
 * Who a client is for rate limiting (`limits.max_runs_per_minute`): the token that auth
 * accepted, else (auth off) the address the request came from. A bearer token that auth did not
 * check is ignored, so made-up tokens never buy a fresh budget. Works for WebSocket upgrades
 * too, whose bindings hold the incoming request.
 */
export function clientKey(c: Context): string {
  const accepted = c.get("acceptedTokenKey") as string | undefined;
  return accepted ?? addressKey((c.env as HttpBindings).incoming.socket.remoteAddress);
}

/**
 * A token as a map key: a prefix of its SHA-256, never the token itself, so a key that reaches a
 * log or a metric label gives nothing away.
 */
export function tokenKey(token: string): string {
  return `token:${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
}

/**
 * An address as a map key. An IPv4 address seen through a dual-stack socket (`::ffff:a.b.c.d`)
 * is the IPv4 address; an IPv6 address counts by its /64, the block one host or one customer
 * line gets, so cycling through the addresses of one's own /64 does not buy fresh budgets.
 *
 * @example addressKey("2001:db8::1") // "ip:2001:db8:0:0::/64"
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return "ip:unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `ip:${mapped[1] ?? address}`;
  if (!isIPv6(address)) return `ip:${address}`;
  return `ip:${ipv6Hextets(address).slice(0, 4).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address, `::` expanded, each without leading zeros. */
function ipv6Hextets(address: string): string[] {
  const [head = "", tail] = address.replace(/%.*$/, "").split("::");
  const split = (part: string) => (part === "" ? [] : part.split(":"));
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  // An embedded IPv4 tail (`::a.b.c.d`) takes the room of two hextets.
  const width = (parts: string[]) => parts.reduce((sum, part) => sum + (part.includes(".") ? 2 : 1), 0);
  const zeros = Array.from({ length: 8 - width(left) - width(right) }, () => "0");
  return [...left, ...zeros, ...right].map((part) =>
    part.includes(".") ? part : parseInt(part, 16).toString(16),
  );
}
