import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FanoutConfig, type FanoutConfigInput } from "../../src/config/index.js";
import { createService, type Service } from "../../src/create-service.js";
import { startSimulator, type SimAgentSpec, type Simulator } from "../../src/simulator/index.js";
import { API_KEY } from "./fanout-harness.js";

/** One service URL answered by successive lives of the service, as across restarts. */
export interface ServiceLives {
  sim: Simulator;
  /** The service's base URL; the same in every life. */
  url: string;
  /** The life answering now. */
  service(): Service;
  /**
   * A restart: a new service, with a fresh memory store, answers at the same URL from now on;
   * the old one shuts down, so its readers get `shutting_down` (with `retry:`) and reconnect, to
   * the new one, with the cursors of the old one.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The simulator and a service on real sockets, like `startHarness`, but with a `restart` that
 * keeps the address (the server on port 0 stays; the service behind it is replaced).
 */
export async function startServiceLives(
  agents: SimAgentSpec[],
  config: FanoutConfigInput = {},
): Promise<ServiceLives> {
  const sim = await startSimulator({ agents, port: 0, apiKey: API_KEY });
  const parsed = FanoutConfig.parse(config);
  const life = () =>
    createService({ config: parsed, baseUrl: sim.url, apiKey: API_KEY, authTokens: [], log: () => {} });
  let current = life();
  const server = serve({
    fetch: (request, env) => current.app.fetch(request, env),
    hostname: "127.0.0.1",
    port: 0,
  }) as Server;
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sim,
    url,
    service: () => current,
    async restart() {
      const old = current;
      current = life();
      await old.shutdown(0);
    },
    async close() {
      await current.shutdown(0);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
    },
  };
}
