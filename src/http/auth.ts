import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";

/** Routes a browser opens with EventSource or WebSocket, which cannot set headers. */
const QUERY_TOKEN_ROUTES = [/^\/v1\/runs\/[^/]+\/events$/, /^\/v1\/events$/, /^\/v1\/ws$/];

/**
 * Bearer-token auth for /v1 (API.md §6): `Authorization: Bearer <token>`, or `?access_token=`
 * on SSE and WebSocket routes. With no tokens configured, every request passes. Tokens are
 * compared in constant time and never echoed.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const expected = tokens.map((token) => Buffer.from(token));
  return async (c, next) => {
    if (expected.length === 0) return next();
    const header = c.req.header("authorization");
    let given = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (given === undefined && QUERY_TOKEN_ROUTES.some((route) => route.test(c.req.path))) {
      given = c.req.query("access_token");
    }
    if (given === undefined || !matches(Buffer.from(given), expected)) {
      throw new AppError(
        "unauthorized",
        "Missing or wrong access token: send Authorization: Bearer <token> (or ?access_token= on event streams).",
        401,
      );
    }
    return next();
  };
}

function matches(given: Buffer, expected: readonly Buffer[]): boolean {
  let ok = false;
  for (const token of expected) {
    if (token.length === given.length && timingSafeEqual(token, given)) ok = true;
  }
  return ok;
}
