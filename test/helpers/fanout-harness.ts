import { FanoutConfig, type FanoutConfigInput } from "../../src/config/index.js";
import { createService, type Service, type ServiceOptions } from "../../src/create-service.js";
import { startServer, type RunningServer } from "../../src/http/start-server.js";
import { describeError } from "../../src/log.js";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";

export const API_KEY = "sk-test-secret-key-0123456789";

export interface Harness {
  sim: Simulator;
  service: Service;
  /** The listening server, with the same graceful stop as `letta-fanout serve`. */
  server: RunningServer;
  /** The service's base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Every line the service logged, as logged (before the log's own scrubbing). */
  logs: string[];
  /** POST /v1/runs asking for the SSE stream. */
  stream(body: unknown, init?: RequestInit): Promise<Response>;
  /** POST a JSON body to a service path. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real thing on real sockets: the simulator on port 0, the service on port 0 talking to it
 * through the official SDK. Tests build one per case and close it in afterEach.
 */
export async function startHarness(
  agents: SimAgentSpec[],
  config: FanoutConfigInput = {},
  simOptions: {
    pingIntervalMs?: number;
    background?: boolean;
    apiKey?: string;
    echoUnauthorized?: boolean;
  } = {},
): Promise<Harness> {
  const sim = await startSimulator({ agents, port: 0, apiKey: API_KEY, ...simOptions });
  const instance = await startInstance(sim, config);
  return {
    ...instance,
    sim,
    async close() {
      await instance.close();
      await sim.close();
    },
  };
}

/** One service instance on its own port; several may share a simulator (and a Redis store). */
export type Instance = Omit<Harness, "sim">;

/**
 * Starts one service on port 0 against `sim`, with its own store (memory unless `shared` gives
 * one, e.g. a Redis store that other instances use too). `close()` stops it, store included.
 */
export async function startInstance(
  sim: Simulator,
  config: FanoutConfigInput = {},
  shared: Pick<ServiceOptions, "store" | "control" | "turns"> = {},
): Promise<Instance> {
  const parsed = FanoutConfig.parse(config);
  const logs: string[] = [];
  const service = createService({
    config: parsed,
    baseUrl: sim.url,
    apiKey: API_KEY,
    authTokens: parsed.auth.tokens,
    // Unscrubbed (the real service's log also scrubs every line): tests see what reached the log.
    log: (message, error) => logs.push(error === undefined ? message : `${message}: ${describeError(error)}`),
    ...shared,
  });
  const server = await startServer(service, {
    host: "127.0.0.1",
    port: 0,
    headersTimeoutMs: parsed.server.headers_timeout_ms,
    requestTimeoutMs: parsed.server.request_timeout_ms,
  });
  const url = `http://127.0.0.1:${server.port}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    service,
    server,
    url,
    logs,
    post,
    stream: (body, init = {}) =>
      fetch(`${url}/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body),
        ...init,
      }),
    close: () => server.stop(0),
  };
}
