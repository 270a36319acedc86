import {
  request,
  type Agent,
  type ClientRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { relayEvent, type Fields } from "./relay-event.js";
import { SseSplitter } from "./sse-splitter.js";

interface Reader {
  res: ServerResponse;
  /** Frames of the log already written to this reader. */
  cursor: number;
  /** Waiting for 'drain' (it catches up from its cursor then). */
  waiting: boolean;
  /** The run's own stream (POST): its backpressure pauses the upstreams, as the service's does. */
  own: boolean;
}

/**
 * One run of the raw-node relay, the hand-written practical limit of BENCH.md: it reads each
 * agent's Letta stream with plain `http.request`, turns each message into the service's event
 * (API.md §3, same JSON shape), encodes every frame once into the run log, and once per turn of
 * the event loop writes the frames that arrived in that turn as ONE buffer, the same Buffer for
 * every reader that is caught up. A reader whose socket is full waits for 'drain' and catches
 * up from its cursor; it holds no queue of its own.
 */
export class RelayRun {
  private readonly log: Buffer[] = [];
  private flushed = 0;
  private flushScheduled = false;
  private readonly readers = new Set<Reader>();
  private readonly upstreams: ClientRequest[] = [];
  private readonly responses: IncomingMessage[] = [];
  private readonly statuses: Record<string, string> = {};
  private agentsLeft: number;
  private ownPaused = false;
  private ended = false;
  private readonly startedAt = Date.now();

  constructor(
    readonly id: string,
    private readonly agentIds: readonly string[],
    private readonly message: string,
    private readonly upstreamUrl: URL,
    private readonly agent: Agent,
  ) {
    this.agentsLeft = agentIds.length;
  }

  /** Appends run.started and opens every agent's upstream stream. */
  start(): void {
    this.append({
      type: "run.started",
      run_id: this.id,
      seq: 0,
      ts: 0,
      agents: this.agentIds.map((agent_id) => ({ agent_id })),
      options: {},
    });
    for (const agentId of this.agentIds) this.open(agentId);
  }

  /** Adds a reader from the start of the log; `own` marks the POST stream. */
  attach(res: ServerResponse, own: boolean): void {
    const reader: Reader = { res, cursor: 0, waiting: false, own };
    this.readers.add(reader);
    res.on("close", () => {
      this.readers.delete(reader);
      if (own && !this.ended) this.cancel();
    });
    this.catchUp(reader);
  }

  private append(event: Fields): void {
    const seq = this.log.length + 1;
    event.seq = seq;
    event.ts = Date.now();
    this.log.push(
      Buffer.from(`id: ${seq}\nevent: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`),
    );
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** One write of everything new, shared by every caught-up reader. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const from = this.flushed;
    const to = this.log.length;
    this.flushed = to;
    const chunk = to - from === 1 ? (this.log[from] as Buffer) : Buffer.concat(this.log.slice(from, to));
    for (const reader of this.readers) {
      if (reader.waiting || reader.cursor !== from) continue;
      reader.cursor = to;
      if (!reader.res.write(chunk)) this.wait(reader);
      else if (this.ended) this.finish(reader);
    }
  };

  private catchUp(reader: Reader): void {
    if (reader.cursor < this.flushed) {
      const frames = this.log.slice(reader.cursor, this.flushed);
      reader.cursor = this.flushed;
      if (!reader.res.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames))) {
        this.wait(reader);
        return;
      }
    }
    if (this.ended && reader.cursor === this.log.length) this.finish(reader);
  }

  private wait(reader: Reader): void {
    reader.waiting = true;
    if (reader.own) this.pauseUpstreams(true);
    reader.res.once("drain", () => {
      reader.waiting = false;
      if (reader.own) this.pauseUpstreams(false);
      this.catchUp(reader);
    });
  }

  private finish(reader: Reader): void {
    this.readers.delete(reader);
    reader.res.end();
  }

  private pauseUpstreams(pause: boolean): void {
    if (this.ownPaused === pause) return;
    this.ownPaused = pause;
    for (const response of this.responses) {
      if (pause) response.pause();
      else response.resume();
    }
  }

  private cancel(): void {
    for (const upstream of this.upstreams) upstream.destroy();
  }

  private open(agentId: string): void {
    const url = new URL(`/v1/agents/${agentId}/messages`, this.upstreamUrl);
    const upstream = request(url, {
      method: "POST",
      agent: this.agent,
      headers: { "content-type": "application/json", accept: "text/event-stream" },
    });
    this.upstreams.push(upstream);
    let status = "completed";
    let stopReason: string | undefined;
    let started = false;
    let settled = false;
    const complete = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error !== undefined) status = "failed";
      this.agentEnded(agentId, status, stopReason, error);
    };
    upstream.on("error", (error) => complete(error.message));
    upstream.on("response", (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        complete(`upstream answered ${response.statusCode}`);
        return;
      }
      this.responses.push(response);
      if (this.ownPaused) response.pause();
      const splitter = new SseSplitter();
      const onFrame = (frame: string) => {
        if (frame.startsWith("event: error")) {
          status = "failed";
          return;
        }
        if (!frame.startsWith("data: ") || frame === "data: [DONE]") return;
        const message = JSON.parse(frame.slice(6)) as Fields;
        switch (message.message_type) {
          case "ping":
            if (!started) {
              started = true;
              this.append({
                type: "agent.started",
                run_id: this.id,
                seq: 0,
                ts: 0,
                agent_id: agentId,
                attempt: 1,
                letta_run_id: message.run_id,
              });
            }
            return;
          case "stop_reason":
            stopReason = String(message.stop_reason);
            return;
          default: {
            const event = relayEvent(message, this.id, agentId);
            if (event) this.append(event);
          }
        }
      };
      response.setEncoding("utf8");
      response.on("data", (text: string) => splitter.push(text, onFrame));
      response.on("end", () => complete());
      response.on("error", (error) => complete(error.message));
    });
    upstream.end(
      JSON.stringify({ input: this.message, streaming: true, stream_tokens: true, include_pings: true }),
    );
  }

  private agentEnded(agentId: string, status: string, stopReason: string | undefined, error?: string): void {
    this.statuses[agentId] = status;
    this.append({
      type: "agent.completed",
      run_id: this.id,
      seq: 0,
      ts: 0,
      agent_id: agentId,
      status,
      ...(stopReason === undefined ? {} : { stop_reason: stopReason }),
      ...(error === undefined ? {} : { error: { code: "upstream_error", message: error } }),
    });
    if (--this.agentsLeft > 0) return;
    const failed = Object.values(this.statuses).filter((value) => value !== "completed").length;
    this.append({
      type: "run.completed",
      run_id: this.id,
      seq: 0,
      ts: 0,
      status: failed === 0 ? "completed" : failed === this.agentIds.length ? "failed" : "partial",
      agents: this.statuses,
      metrics: { duration_ms: Date.now() - this.startedAt, events: this.log.length + 1 },
    });
    this.ended = true;
    this.responses.length = 0;
  }
}
