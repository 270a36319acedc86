import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FanoutConfig } from "../src/config/index.js";
import { createService } from "../src/create-service.js";
import { startServer } from "../src/http/start-server.js";
import { createProcessProbe } from "./process-probe.js";
import { createRawNodeRelay } from "./raw-node-relay.js";
import type { TargetKind, TargetRpc } from "./rpc-protocol.js";
import { serveRpc } from "./serve-rpc.js";

/**
 * The service as the bench runs it: compression on at the cheap settings (gzip 1, brotli 4) with
 * room for every bench reader, so a reader picks identity, gzip or br by its Accept-Encoding
 * (identity follows the same code path as `compression.enabled: false`), and room for 1,000
 * agents in one run. Everything else is the shipped default.
 */
const SERVICE_CONFIG = {
  compression: { enabled: true, gzip_level: 1, brotli_quality: 4, max_compressed_readers: 100_000 },
  limits: { max_agents_per_run: 1000, max_readers: 100_000 },
};

/** How many service log lines reach stderr (a broken run should be visible, not flood the table). */
const MAX_LOG_LINES = 20;

const probe = createProcessProbe();
let logged = 0;

async function listen(kind: TargetKind, upstreamUrl: string): Promise<Server> {
  if (kind === "raw-node") {
    const server = createRawNodeRelay(upstreamUrl);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
  }
  const config = FanoutConfig.parse(SERVICE_CONFIG);
  const service = createService({
    config,
    baseUrl: upstreamUrl,
    apiKey: null,
    authTokens: [],
    log: (message, error) => {
      if (logged++ < MAX_LOG_LINES) {
        process.stderr.write(`[ours] ${message}${error instanceof Error ? `: ${error.message}` : ""}\n`);
      }
    },
  });
  const { server } = await startServer(service, {
    host: "127.0.0.1",
    port: 0,
    headersTimeoutMs: config.server.headers_timeout_ms,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  return server;
}

serveRpc<TargetRpc>({
  async start({ kind, upstreamUrl }) {
    const server = await listen(kind, upstreamUrl);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },
  "probe-begin"() {
    probe.begin();
    return null;
  },
  "probe-end": () => probe.end(),
});
