import type { FollowUpRequest, RunRequest } from "../protocol/run-request.js";
import type { RunSnapshot } from "../protocol/run-snapshot.js";
import { linkAbort } from "./abort-link.js";
import type {
  ClientOptions,
  FanoutClient,
  PanelInfo,
  RunHandle,
  RunSummary,
  SignalOption,
} from "./client-types.js";
import { FanoutError } from "./fanout-error.js";
import { assertEventStream, HttpTransport } from "./http-transport.js";
import { reconnectSettings } from "./reconnect-delay.js";
import { RunEventStream } from "./run-event-stream.js";

/**
 * Creates a typed client of a letta-fanout service. It uses only web standards (fetch,
 * streams, AbortSignal), so it runs in Node 20+ and in browsers.
 *
 * Aborting a call's `signal` rejects its promise with the signal's reason (as `fetch` does);
 * aborting while iterating events ends the loop quietly and closes the connection.
 *
 * @example
 *   const client = createClient({ baseUrl: "http://127.0.0.1:8787" });
 *   const run = await client.runs.create({ message: "Hi!", panel: "duo" });
 *   for await (const event of run) {
 *     if (event.type === "agent.delta") process.stdout.write(event.text);
 *   }
 */
export function createClient(options: ClientOptions): FanoutClient {
  // Called through a wrapper so a browser's fetch keeps `window` as `this`.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const transport = new HttpTransport(options.baseUrl, options.token, fetchImpl);
  const reconnect = reconnectSettings(options.reconnect);
  const runPath = (runId: string) => `/v1/runs/${encodeURIComponent(runId)}`;
  const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

  /**
   * POSTs a run-starting body (a new run, a follow-up) to `path` with `Accept: text/event-stream`
   * and hands the open response to a RunEventStream, which reads it and then reconnects to
   * `GET /v1/runs/{id}/events` as any event stream does.
   */
  async function startRun(path: string, body: unknown, { signal }: SignalOption): Promise<RunHandle> {
    const controller = new AbortController();
    const unlink = linkAbort(signal, controller);
    let response: Response;
    try {
      response = await transport.send(path, {
        method: "POST",
        json: body,
        headers: { accept: "text/event-stream" },
        signal: controller.signal,
      });
      assertEventStream(response);
    } catch (error) {
      unlink();
      throw error;
    }
    const runId = response.headers.get("x-run-id");
    if (!runId) {
      controller.abort();
      unlink();
      throw new FanoutError(
        "invalid_response",
        "The run's stream has no X-Run-Id header (a proxy, or a CORS setup without expose-headers, hid it).",
      );
    }
    const stream = new RunEventStream({
      runId,
      transport,
      reconnect,
      signal,
      opened: { response, controller, unlink },
    });
    return {
      runId,
      events: stream,
      lastCursor: () => stream.lastCursor(),
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
    };
  }

  return {
    baseUrl: transport.baseUrl,
    runs: {
      create: (body: RunRequest, options: SignalOption = {}) => startRun("/v1/runs", body, options),
      followUp: (runId: string, body: FollowUpRequest, options: SignalOption = {}) =>
        startRun(`${runPath(runId)}/follow-ups`, body, options),
      events: (runId, { after, signal } = {}) =>
        new RunEventStream({ runId, transport, reconnect, signal, after }),
      get: (runId, { signal } = {}) => transport.json<RunSnapshot>(runPath(runId), withSignal(signal)),
      list: ({ limit, after, signal } = {}) => {
        const query = new URLSearchParams();
        if (limit !== undefined) query.set("limit", String(limit));
        if (after !== undefined) query.set("after", after);
        const search = query.toString() === "" ? "" : `?${query.toString()}`;
        return transport.json<{ runs: RunSummary[]; next_after: string | null }>(
          `/v1/runs${search}`,
          withSignal(signal),
        );
      },
      cancel: (runId, { agent_ids, signal } = {}) =>
        transport.json<{ run_id: string; status: string }>(`${runPath(runId)}/cancel`, {
          method: "POST",
          json: agent_ids === undefined ? {} : { agent_ids },
          ...withSignal(signal),
        }),
    },
    panels: {
      list: ({ signal } = {}) => transport.json<{ panels: PanelInfo[] }>("/v1/panels", withSignal(signal)),
      get: (name, { signal } = {}) =>
        transport.json<PanelInfo>(`/v1/panels/${encodeURIComponent(name)}`, withSignal(signal)),
    },
  };
}
