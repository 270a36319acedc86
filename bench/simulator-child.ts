import { startSimulator } from "../src/simulator/index.js";
import { createProcessProbe } from "./process-probe.js";
import type { SimulatorRpc } from "./rpc-protocol.js";
import { serveRpc } from "./serve-rpc.js";

/** Child entry: the project's Letta simulator in its own process, for the upstream calibration. */
const probe = createProcessProbe({ eventLoopDelay: false });

serveRpc<SimulatorRpc>({
  async start({ agents }) {
    // No background mode: the bench's readers stream in the foreground, as the service is told to.
    const simulator = await startSimulator({ agents, background: false });
    return { url: simulator.url };
  },
  "probe-begin"() {
    probe.begin();
    return null;
  },
  "probe-end": () => probe.end(),
});
