import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import { bearerToken } from "./bearer-token.js";
import { tokenKey } from "./client-key.js";

/** Routes a browser opens with EventSource or WebSocket, which cannot set headers. */
const QUERY_TOKEN_ROUTES = [/^\/v1\/runs\/[^/]+\/events$/, /^\/v1\/events$/, /^\/v1\/ws$/];

/**
 * Bearer-token auth for /v1 (API.md §6): `Authorization: Bearer <token>` (read by
 * `bearerToken`), or `?access_token=` on SSE and WebSocket routes. With no tokens configured,
 * every request passes. Tokens are compared in constant time and never echoed. The accepted
 * token's key is left in the context (`acceptedTokenKey`) as the client's identity for the rate
 * limit (`clientKey`).
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const expected = tokens.map((token) => ({ bytes: Buffer.from(token), key: tokenKey(token) }));
  return async (c, next) => {
    if (expected.length === 0) return next();
    let given = bearerToken(c.req.header("authorization"));
    if (given === undefined && QUERY_TOKEN_ROUTES.some((route) => route.test(c.req.path))) {
      given = c.req.query("access_token");
    }
    const accepted = given === undefined ? undefined : match(Buffer.from(given), expected);
    if (accepted === undefined) {
      throw new AppError(
        "unauthorized",
        "Missing or wrong access token: send Authorization: Bearer <token> (or ?access_token= on event streams).",
        401,
      );
    }
    c.set("acceptedTokenKey", accepted);
    return next();
  };
}

/** The key of the expected token equal to `given`, comparing against every one in constant time. */
function match(given: Buffer, expected: readonly { bytes: Buffer; key: string }[]): string | undefined {
  let found: string | undefined;
  for (const { bytes, key } of expected) {
    if (bytes.length === given.length && timingSafeEqual(bytes, given)) found = key;
  }
  return found;
}
