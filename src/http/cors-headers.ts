import type { Context } from "hono";

/**
 * CORS headers for responses that bypass Hono's middleware (SSE streams are written straight to
 * the socket, so `cors()` never sees them): the same policy as `config.cors.origins`.
 */
export function corsHeaders(origins: readonly string[]): (c: Context) => Record<string, string> {
  const any = origins.includes("*");
  return (c) => {
    if (origins.length === 0) return {};
    const origin = c.req.header("origin");
    if (any) return { "access-control-allow-origin": "*", "access-control-expose-headers": "X-Run-Id" };
    if (origin === undefined || !origins.includes(origin)) return {};
    return {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "X-Run-Id",
      vary: "origin, accept-encoding",
    };
  };
}
