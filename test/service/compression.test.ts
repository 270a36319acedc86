import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import zlib from "node:zlib";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { waitFor } from "../helpers/wait-for.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const decoders = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

describe("transport compression", () => {
  for (const encoding of ["gzip", "deflate", "br"] as const) {
    it(`sends ${encoding} that decodes event by event while the run is still streaming`, async () => {
      harness = await startHarness([
        scripted(1, "Held halfway through this answer.", { faults: [{ kind: "hold", after_events: 3 }] }),
      ]);
      const h = harness;
      const url = new URL(`${h.url}/v1/runs`);
      let decoded = "";
      let header: string | undefined;
      const done = new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "text/event-stream",
              "accept-encoding": encoding,
            },
          },
          (res) => {
            header = res.headers["content-encoding"];
            const decoder = decoders[encoding]();
            res.pipe(decoder);
            decoder.on("data", (chunk: Buffer) => (decoded += chunk.toString()));
            decoder.on("end", resolve);
            decoder.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ message: "hi", agent_ids: [agentId(1)] }));
      });
      // While the agent is held mid-answer, the events so far are already decodable.
      await waitFor(() => decoded.includes("event: agent.delta"), "decoded deltas before the run ends");
      expect(header).toBe(encoding);
      expect(decoded).not.toContain("run.completed");
      h.sim.release(agentId(1));
      await done;
      expect(decoded).toContain("event: run.completed");
    });
  }
});
