import { afterEach, describe, expect, it } from "vitest";
import { agentId, scripted } from "../helpers/agents.js";
import { startHarness, type Harness } from "../helpers/fanout-harness.js";
import { rawConnection, type RawConnection } from "../helpers/raw-http.js";
import { readEvents, reassemble } from "../helpers/sse-client.js";

let harness: Harness | undefined;
let trickle: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(trickle);
  await harness?.close();
  harness = undefined;
});

const TIMEOUTS = { server: { headers_timeout_ms: 300, request_timeout_ms: 600 } };

/** Writes `piece` every 50 ms until the server closes the connection (or 10 s pass). */
async function trickleUntilClosed(connection: RawConnection, piece: string): Promise<string> {
  trickle = setInterval(() => connection.socket.write(piece), 50);
  let deadline: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    connection.closed,
    new Promise<never>((_, reject) => {
      deadline = setTimeout(
        () => reject(new Error("the server still held the trickled request after 10 s")),
        10_000,
      );
    }),
  ]);
  clearTimeout(deadline);
  clearInterval(trickle);
  return outcome;
}

describe("bounded request reading", () => {
  it("answers 408 and lets go of a client that trickles its body a byte at a time", async () => {
    harness = await startHarness([scripted(1, "Hi.")], TIMEOUTS);
    const connection = await rawConnection(harness.url);
    connection.socket.write(
      "POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    const answer = await trickleUntilClosed(connection, " ");
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // No run was started from the part of the body that came.
    expect(harness.sim.record.requests()).toHaveLength(0);
  });

  it("answers 408 and lets go of a client whose headers never end", async () => {
    harness = await startHarness([scripted(1, "Hi.")], TIMEOUTS);
    const connection = await rawConnection(harness.url);
    connection.socket.write("GET /v1/panels HTTP/1.1\r\nHost: x\r\n");
    const answer = await trickleUntilClosed(connection, "X-Slow: 1\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("does not cut an event stream that runs longer than the request timeout", async () => {
    const answer = "Slow and steady words arrive one after another until the very end.";
    // About 14 tokens at 10 tokens/s: the stream lasts well over the 600 ms request timeout.
    harness = await startHarness(
      [scripted(1, answer, { speed: { ttft_ms: 0, tokens_per_second: 10 } })],
      TIMEOUTS,
    );
    const events = await readEvents(await harness.stream({ message: "go", agent_ids: [agentId(1)] }));
    expect(reassemble(events)[agentId(1)]).toBe(answer);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
  });
});
