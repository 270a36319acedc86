import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchPeer, type PeerServer } from "./peer-process.js";

const RELAY_FILE = "fastapi_relay.py";

/**
 * bench/peers/, where fastapi_relay.py is: next to this module when run from source, or in the
 * source tree when run from dist/bench/peers/ (the build compiles TypeScript only).
 */
export function fastapiRelayDir(): string | undefined {
  const candidates = [new URL(".", import.meta.url), new URL("../../../bench/peers/", import.meta.url)];
  return candidates.map((url) => fileURLToPath(url)).find((dir) => existsSync(`${dir}${RELAY_FILE}`));
}

/**
 * Starts the `fastapi` peer, bench/peers/fastapi_relay.py, as its tutorial runs it: uvicorn, one
 * process (no `--workers`), no access log, on a free port of 127.0.0.1, with `python` (Debian's,
 * whose packages hold FastAPI, uvicorn and httpx), pointed at the upstream, pinned to `core`.
 */
export function startFastapi(
  python: string,
  upstreamUrl: string,
  core: number | undefined,
): Promise<PeerServer> {
  const appDir = fastapiRelayDir();
  if (appDir === undefined)
    throw new Error(`${RELAY_FILE} not found next to ${dirname(fileURLToPath(import.meta.url))}`);
  const readyToken = `fastapi-${randomUUID()}`;
  return launchPeer({
    name: "fastapi",
    command: python,
    args: (port) => [
      ...["-m", "uvicorn", "fastapi_relay:app", "--app-dir", appDir],
      ...["--host", "127.0.0.1", "--port", String(port), "--no-access-log", "--log-level", "warning"],
    ],
    env: { LETTA_BASE_URL: upstreamUrl, BENCH_READY_TOKEN: readyToken, PYTHONDONTWRITEBYTECODE: "1" },
    ...(core === undefined ? {} : { core }),
    readyPath: "/__bench/ready",
    readyToken,
  });
}
