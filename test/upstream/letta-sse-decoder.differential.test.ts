import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventTooLarge } from "../../src/upstream/letta/guarded-fetch.js";
import { createScrubber } from "../../src/scrub-secrets.js";
import {
  comparable,
  cutAt,
  everySplit,
  oursGuardedOutcome,
  oursOutcome,
  responseOf,
  sdkGuardedOutcome,
  sdkDispatchesAtOnce,
  sdkOutcome,
} from "./sse-differential.js";
import { cuts, sseBody } from "./sse-streams.js";

// The differential test of issue 10: the same Letta byte streams, cut at every point and at
// random, go to the SDK's own decoder (its `Stream` over a Response of those chunks) and to ours
// (`decodeLettaStream`), which must yield the same messages and end with the same error.

const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 400);

const unbounded = { maxEventBytes: Number.POSITIVE_INFINITY, scrub: (text: string) => text };

async function both(chunks: readonly Uint8Array[]) {
  const sdk = comparable(await sdkOutcome(responseOf(chunks)));
  const ours = comparable(await oursOutcome(responseOf(chunks), unbounded));
  return { sdk, ours };
}

describe("decodeLettaStream yields what the SDK's Stream yields", () => {
  it("for generated bodies in every framing, cut at random", async () => {
    await fc.assert(
      fc.asyncProperty(sseBody(), cuts, async (body, cutPoints) => {
        const whole = await both([body.bytes]);
        expect(whole.ours).toEqual(whole.sdk);
        const cut = await both(cutAt(body.bytes, cutPoints));
        expect(cut.ours).toEqual(whole.sdk);
        expect(cut.sdk).toEqual(whole.sdk);
      }),
      { numRuns: RUNS },
    );
  });

  it("for generated bodies cut at every byte and byte by byte", async () => {
    await fc.assert(
      fc.asyncProperty(sseBody({ maxEvents: 5 }), async (body) => {
        const expected = comparable(await sdkOutcome(responseOf([body.bytes])));
        for (const chunks of everySplit(body.bytes)) {
          expect(comparable(await oursOutcome(responseOf(chunks), unbounded))).toEqual(expected);
        }
      }),
      { numRuns: Math.ceil(RUNS / 8) },
    );
  });

  it("for a connection that drops: what the SDK yields for the same bytes, then the drop's own error", async () => {
    await fc.assert(
      fc.asyncProperty(sseBody({ withDone: false }), cuts, async (body, cutPoints) => {
        const drop = new TypeError("terminated");
        const chunks = cutAt(body.bytes, cutPoints);
        const closed = await sdkOutcome(responseOf(chunks));
        const ours = await oursOutcome(responseOf(chunks, drop), unbounded);
        const sdk = await sdkOutcome(responseOf(chunks, drop));
        expect(comparable(ours)).toEqual(comparable({ ...closed, error: closed.error ?? drop }));
        if (sdkDispatchesAtOnce(body.bytes)) {
          // LF framing (Letta's): the SDK dispatches every event at its empty line too.
          expect(comparable(ours)).toEqual(comparable(sdk));
        } else {
          // With CRs the SDK holds an event until bytes after it come; a drop loses what it held.
          // (Held: so the body has bytes after the event; those were never lost on a clean end.)
          expect(ours.messages.slice(0, sdk.messages.length)).toEqual(sdk.messages);
          if (sdk.error !== drop) expect(comparable(ours)).toEqual(comparable(sdk));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("lets the body go at [DONE] even when the server never closes it", async () => {
    const bytes = Buffer.from('data: {"a":"é"}\n\ndata: [DONE]\n\n');
    for (const chunks of everySplit(bytes)) {
      const ours = await oursOutcome(responseOf(chunks, "open"), unbounded);
      expect(ours).toEqual({ messages: [{ a: "é" }] });
    }
  });

  it("ends quietly when the body fails with an AbortError, as the SDK's Stream does", async () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    const chunks = [Buffer.from('data: {"a":1}\n\ndata: {"a":')];
    const ours = await oursOutcome(responseOf(chunks, abort), unbounded);
    expect(ours).toEqual({ messages: [{ a: 1 }] });
    expect(ours).toEqual(await sdkOutcome(responseOf(chunks, abort)));
  });
});

describe("decodeLettaStream keeps the guard of guardedFetch", () => {
  const KEY = "sk-letta-secret-4f2a";
  const scrub = createScrubber([KEY]);
  const secretText = fc.constantFrom(KEY, `Bearer ${KEY}`, "Bearer abcdefgh12345", encodeURIComponent(KEY));

  it("scrubs what the guard scrubs (events of more than one line), whatever the framing and cuts", async () => {
    const withSecrets = sseBody().chain((body) =>
      fc.tuple(secretText, fc.nat(body.bytes.length)).map(([secret, at]) => ({
        ...body,
        // A secret spliced in at a random place: inside messages, error texts, field names.
        bytes: Buffer.concat([body.bytes.subarray(0, at), Buffer.from(secret), body.bytes.subarray(at)]),
      })),
    );
    await fc.assert(
      fc.asyncProperty(withSecrets, cuts, async (body, cutPoints) => {
        const options = { maxEventBytes: 1 << 20, scrub };
        const sdk = comparable(await sdkGuardedOutcome([body.bytes], options));
        const ours = comparable(await oursGuardedOutcome(cutAt(body.bytes, cutPoints), options));
        expect(ours).toEqual(sdk);
      }),
      { numRuns: RUNS },
    );
  });

  it("scrubs an error event's text and leaves the agent's single-line messages alone", async () => {
    const message = `{"message_type":"assistant_message","content":"my key is ${KEY}"}`;
    const bytes = Buffer.from(
      `data: ${message}\n\nevent: error\ndata: {"message":"bad header Bearer ${KEY}","detail":"${KEY}"}\n\n`,
    );
    for (const chunks of everySplit(bytes)) {
      const ours = await oursGuardedOutcome(chunks, { maxEventBytes: 1 << 20, scrub });
      expect(ours.messages).toEqual([JSON.parse(message)]);
      expect((ours.error as Error).message).toBe("bad header Bearer [redacted]");
      expect(JSON.stringify((ours.error as { error: unknown }).error)).not.toContain(KEY);
    }
  });

  it("fails an event over the bound after the events before it, as the guard does for LF framing", async () => {
    await fc.assert(
      fc.asyncProperty(
        sseBody({ withDone: false, framings: ["lf"] }),
        fc.integer({ min: 8, max: 400 }),
        cuts,
        async (body, max, cutPoints) => {
          fc.pre(sdkDispatchesAtOnce(body.bytes));
          const options = { maxEventBytes: max, scrub: (text: string) => text };
          const sdk = comparable(await sdkGuardedOutcome(cutAt(body.bytes, cutPoints), options));
          const ours = comparable(await oursGuardedOutcome(cutAt(body.bytes, cutPoints), options));
          expect(ours).toEqual(sdk);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("lets any number of small events through a bound far below their total, in every framing", async () => {
    for (const end of ["\n", "\r\n", "\r"]) {
      const body = Array.from({ length: 400 }, (_, n) => `data: {"n":${n},"t":"é ✓"}${end}${end}`).join("");
      const bytes = Buffer.from(body);
      const ours = await oursOutcome(responseOf(cutAt(bytes, [1000, 5000, 5001])), {
        maxEventBytes: 64,
        scrub: (text) => text,
      });
      expect(ours.error).toBeUndefined();
      expect(ours.messages).toHaveLength(400);
    }
  });

  it("fails one event over the bound however it is cut, after the event before it", async () => {
    for (const end of ["\n", "\r\n", "\r"]) {
      const bytes = Buffer.from(`data: {"a":1}${end}${end}data: {"pad":"${"x".repeat(5_000)}"}${end}${end}`);
      for (const chunks of [[bytes], cutAt(bytes, [100]), cutAt(bytes, [17, 18, 4_000])]) {
        const ours = await oursOutcome(responseOf(chunks), { maxEventBytes: 4_096, scrub: (text) => text });
        expect(ours.messages).toEqual([{ a: 1 }]);
        expect(ours.error).toBeInstanceOf(EventTooLarge);
      }
    }
  });
});
