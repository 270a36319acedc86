import { Agent, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { FanoutConfig } from "../src/config/index.js";
import { createService } from "../src/create-service.js";
import { startServer } from "../src/http/start-server.js";
import { benchAgentId } from "./bench-agent-id.js";
import { hostNow } from "./delta-text.js";
import { createLettaEmitter } from "./letta-emitter.js";
import { readLettaStream } from "./letta-stream-reader.js";
import { readRunStream } from "./run-stream-reader.js";

/**
 * Time to first event, in one process: the bench emitter, the service and the load client on one
 * event loop, one agent answering one delta at once. Each round runs `direct` (the client reads
 * the emitter itself) and `ours` (`POST /v1/runs`, the run's own stream) back to back and records,
 * from the POST: when the emitter saw the upstream request, and when the first delta reached the
 * client. Prints the medians, and how many connections the emitter saw (the service's requests
 * go over one kept-alive connection). A quick, repeatable look at where the start of a run goes;
 * the bench's TTFE probe (scenario A, processes pinned apart) is the figure that counts.
 *
 *   npm run build && node dist/bench/ttfe-stages.js [rounds=40] [warm-up rounds=3]
 *
 * Few rounds (`10 2`) show what the bench's probe sees, a service whose start path is still cold
 * (interpreted); many (`200`) show it warm. Run it a few times: one process is one sample.
 */
async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 40);
  const warmup = Number(process.argv[3] ?? 3);
  const emitter = createLettaEmitter();
  emitter.configure({ tokensPerAgent: 1, ratePerSecond: 0, payloadBytes: 60, hold: false });
  let seenAt: number | undefined;
  emitter.server.prependListener("request", (req: IncomingMessage) => {
    if (req.method === "POST") seenAt ??= hostNow();
  });
  /** When the emitter saw the first request since the last call. */
  const takeSeen = (): number | undefined => {
    const at = seenAt;
    seenAt = undefined;
    return at;
  };
  let connections = 0;
  emitter.server.on("connection", () => connections++);
  await new Promise<void>((resolve) => emitter.server.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(emitter.server.address() as AddressInfo).port}`;

  const config = FanoutConfig.parse({
    compression: { enabled: true, gzip_level: 1, brotli_quality: 4, max_compressed_readers: 100_000 },
    limits: { max_agents_per_run: 1000, max_readers: 100_000, max_runs_per_minute: 1_000_000 },
  });
  const service = createService({
    config,
    baseUrl: upstreamUrl,
    apiKey: null,
    authTokens: [],
    log: (message) => process.stderr.write(`[ours] ${message}\n`),
  });
  const server = await startServer(service, {
    host: "127.0.0.1",
    port: 0,
    headersTimeoutMs: config.server.headers_timeout_ms,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  const url = `http://127.0.0.1:${server.port}`;
  const agent = new Agent({ keepAlive: true });
  const agentId = benchAgentId(0);
  const body = JSON.stringify({
    message: "bench",
    agent_ids: [agentId],
    options: { agent_defaults: { background: false } },
  });

  const samples = {
    direct: [] as number[],
    directSeen: [] as number[],
    ours: [] as number[],
    oursSeen: [] as number[],
  };
  for (let round = -warmup; round < rounds; round++) {
    takeSeen();
    const direct = await readLettaStream({ upstreamUrl, agentId, agent, timeoutMs: 5_000 });
    const directSeen = takeSeen();
    const ours = await readRunStream({ url: `${url}/v1/runs`, method: "POST", body, agent, timeoutMs: 5_000 })
      .done;
    const oursSeen = takeSeen();
    if (ours.error !== undefined || ours.runStatus !== "completed") {
      throw new Error(`run failed: ${ours.error ?? ours.runStatus ?? "no run.completed"}`);
    }
    if (round < 0) continue; // warm-up: connections, JIT
    if (direct.firstDeltaAt !== undefined) samples.direct.push(direct.firstDeltaAt - direct.sentAt);
    if (directSeen !== undefined) samples.directSeen.push(directSeen - direct.sentAt);
    if (ours.firstDeltaAt !== undefined) samples.ours.push(ours.firstDeltaAt - ours.sentAt);
    if (oursSeen !== undefined) samples.oursSeen.push(oursSeen - ours.sentAt);
    // Spaced as the bench's probe is (a run after another, not back to back in one tick).
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  process.stdout.write(
    `${rounds} rounds, medians from the POST:\n` +
      `  direct: upstream saw the request ${ms(p50(samples.directSeen))}, first delta ${ms(p50(samples.direct))}\n` +
      `  ours:   upstream saw the request ${ms(p50(samples.oursSeen))}, first delta ${ms(p50(samples.ours))}\n` +
      `  TTFE ours − direct: ${ms(p50(samples.ours) - p50(samples.direct))}\n` +
      `  upstream connections: ${connections} for ${2 * (rounds + warmup)} requests\n`,
  );
  agent.destroy();
  await server.stop(0);
  await new Promise<void>((resolve) => emitter.server.close(() => resolve()));
  emitter.server.closeAllConnections();
}

await main();
