/**
 * Who may open `GET /v1/ws`, from the `Origin` a browser sends with every WebSocket upgrade.
 * Browsers do not apply CORS to WebSockets, so without this any web page could drive the API
 * from a visitor's browser (cross-site WebSocket hijacking), with no token needed when auth is
 * off. Allowed: no `Origin` at all (CLIs and servers, which are not browsers), the service's
 * own origin (the `Origin`'s host is the request's `Host`), and the origins in `cors.origins`
 * (`"*"` allows any, as it does for CORS). Origins are compared as the URL standard serializes
 * them, so `https://Dash.example.com:443/` in the config matches `https://dash.example.com`.
 *
 * @example
 *   const allowed = wsOriginPolicy(["https://dash.example.com"]);
 *   allowed("https://dash.example.com", "fanout.example.com"); // true: configured
 *   allowed("http://fanout.example.com", "fanout.example.com"); // true: its own
 *   allowed("https://evil.example", "fanout.example.com"); // false
 *   allowed(undefined, "fanout.example.com"); // true: not a browser
 */
export function wsOriginPolicy(
  corsOrigins: readonly string[],
): (origin: string | undefined, host: string | undefined) => boolean {
  if (corsOrigins.includes("*")) return () => true;
  const configured = new Set(corsOrigins.map((origin) => parseOrigin(origin)?.origin ?? origin));
  return (origin, host) => {
    if (origin === undefined) return true;
    const url = parseOrigin(origin);
    // An opaque origin (`null`: sandboxed frames, file: pages) is never the service's own.
    if (!url) return false;
    if (configured.has(url.origin)) return true;
    if (host === undefined) return false;
    // The Host header as a URL of the Origin's scheme, so a default port compares equal.
    return parseOrigin(`${url.protocol}//${host}`)?.host === url.host;
  };
}

function parseOrigin(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.origin === "null" ? undefined : url;
  } catch {
    return undefined;
  }
}
