import type { AddressInfo } from "node:net";
import { createLettaEmitter, type LettaEmitter } from "./letta-emitter.js";
import { createProcessProbe } from "./process-probe.js";
import type { EmitterRpc } from "./rpc-protocol.js";
import { serveRpc } from "./serve-rpc.js";

/** Child entry: the upstream emitter in its own process, so its CPU is measured apart. */
const probe = createProcessProbe({ eventLoopDelay: false });
let emitter: LettaEmitter | undefined;

function need(): LettaEmitter {
  if (!emitter) throw new Error("emitter not started");
  return emitter;
}

serveRpc<EmitterRpc>({
  async start() {
    emitter = createLettaEmitter();
    const { server } = emitter;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },
  configure(plan) {
    need().configure(plan);
    return null;
  },
  release() {
    need().release();
    return null;
  },
  digests: () => need().digests(),
  "probe-begin"() {
    probe.begin();
    return null;
  },
  "probe-end": () => probe.end(),
});
