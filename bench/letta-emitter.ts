import { createHash, type Hash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { deltaText, hostNow } from "./delta-text.js";
import type { EmitPlan, StreamDigest } from "./emit-plan.js";
import { lettaDate, lettaStreamFrames, type LettaStreamFrames } from "./letta-wire-frames.js";

/** The bench's upstream: a minimal Letta server that streams timestamped assistant deltas. */
export interface LettaEmitter {
  readonly server: Server;
  /** Sets the plan of every stream opened from now on, and starts a new set of digests. */
  configure(plan: EmitPlan): void;
  /** Starts every held stream; streams opened later start at once. */
  release(): void;
  /** What the streams since `configure` sent, and the deltas sent in all. */
  digests(): { streams: StreamDigest[]; deltas: number };
}

const SEND_PATH = /^\/v1\/agents\/(agent-[0-9a-f-]{36})\/messages\/?$/;
/** The agent's own conversation in agent-direct mode (letta-wire §1.6): the agent is in the body. */
const CONVERSATION_SEND_PATH = /^\/v1\/conversations\/default\/messages\/?$/;
const CANCEL_PATH = /^\/v1\/agents\/agent-[0-9a-f-]{36}\/messages\/cancel\/?$/;
/** Deltas per write when sending as fast as possible (one syscall for a burst, as a busy server would). */
const BURST_EVENTS = 16;
/** Writes per turn of the event loop before yielding, so many fast streams share the process. */
const BURST_WRITES = 8;

/**
 * A bench-only stand-in for Letta (BENCH.md allows "a minimal emitter if the simulator can't keep
 * up"): `POST /v1/agents/{id}/messages` (or `/v1/conversations/default/messages` with the agent in
 * the body, as the service sends) with `streaming: true` answers the exact Letta SSE wire
 * format (letta-wire.md §2: a ping carrying `run_id`, assistant_message deltas, `stop_reason`,
 * `usage_statistics`, `[DONE]`, then close), with every delta's text stamped with its send time
 * (see delta-text.ts). `background: true` gets Letta's 503 (no Redis), so `"auto"` falls back.
 * Frames are pre-encoded so its CPU per event stays far below any relay's.
 */
export function createLettaEmitter(): LettaEmitter {
  let plan: EmitPlan = { tokensPerAgent: 1, ratePerSecond: 0, payloadBytes: 60, hold: false };
  let released = false;
  let held: EmitStream[] = [];
  let streams: StreamDigest[] = [];
  let deltas = 0;
  const onDigest = (digest: StreamDigest) => {
    streams.push(digest);
    deltas += digest.tokens;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && CANCEL_PATH.test(path)) {
      req.resume();
      json(res, 200, {});
      return;
    }
    const match = req.method === "POST" ? SEND_PATH.exec(path) : null;
    const direct = req.method === "POST" && CONVERSATION_SEND_PATH.test(path);
    if (match?.[1] === undefined && !direct) {
      req.resume();
      json(res, 404, { detail: "Not Found" });
      return;
    }
    void readBody(req).then((body) => {
      const agentId = match?.[1] ?? (typeof body?.agent_id === "string" ? body.agent_id : undefined);
      if (agentId === undefined) {
        json(res, 422, { detail: "agent-direct mode needs agent_id in the body" });
        return;
      }
      if (body?.background === true) {
        json(res, 503, {
          detail: "INTERNAL_SERVER_ERROR: Background streaming requires Redis to be running.",
        });
        return;
      }
      if (body?.streaming !== true) {
        json(res, 422, { detail: "the bench emitter only streams (streaming: true)" });
        return;
      }
      const stream = new EmitStream(res, agentId, plan, onDigest);
      if (plan.hold && !released) held.push(stream);
      else stream.start();
    });
  });
  server.keepAliveTimeout = 60_000;

  return {
    server,
    configure(next) {
      plan = next;
      released = false;
      held = [];
      streams = [];
      deltas = 0;
    },
    release() {
      released = true;
      for (const stream of held) stream.start();
      held = [];
    },
    digests: () => ({ streams, deltas }),
  };
}

/** One agent's stream: pings at once, then sends its deltas on schedule, then the end. */
class EmitStream {
  private readonly frames: LettaStreamFrames;
  private readonly hash: Hash = createHash("sha1");
  private sent = 0;
  private chars = 0;
  private due = 0;
  private finished = false;
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private dateSecond = -1;
  private prefix = "";

  constructor(
    private readonly res: ServerResponse,
    private readonly agentId: string,
    private readonly plan: EmitPlan,
    private readonly onDigest: (digest: StreamDigest) => void,
  ) {
    this.frames = lettaStreamFrames();
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    res.socket?.setNoDelay(true);
    res.write(this.frames.ping);
    res.on("close", () => {
      if (!this.finished) this.finish(true);
    });
  }

  start(): void {
    if (this.finished) return;
    this.due = performance.now();
    if (this.plan.ratePerSecond > 0) this.paced();
    else this.burst();
  }

  /** Writes every delta that is due (the first at once), then sleeps until the next one. */
  private readonly paced = (): void => {
    if (this.finished) return;
    const now = performance.now();
    const interval = 1000 / this.plan.ratePerSecond;
    let chunk = "";
    const sentAt = performance.timeOrigin + now;
    while (this.sent < this.plan.tokensPerAgent && this.due <= now) {
      chunk += this.delta(sentAt);
      this.due += interval;
    }
    if (chunk.length > 0) this.res.write(chunk);
    if (this.sent >= this.plan.tokensPerAgent) {
      this.finish(false);
      return;
    }
    this.timeout = setTimeout(this.paced, this.due - now);
  };

  /** As fast as the socket takes them: bursts of deltas, yielding between turns, awaiting drain. */
  private readonly burst = (): void => {
    for (let writes = 0; writes < BURST_WRITES; writes++) {
      if (this.finished) return;
      if (this.sent >= this.plan.tokensPerAgent) {
        this.finish(false);
        return;
      }
      const sentAt = hostNow();
      let chunk = "";
      for (let i = 0; i < BURST_EVENTS && this.sent < this.plan.tokensPerAgent; i++)
        chunk += this.delta(sentAt);
      if (!this.res.write(chunk)) {
        this.res.once("drain", this.burst);
        return;
      }
    }
    this.immediate = setImmediate(this.burst);
  };

  private delta(sentAt: number): string {
    const text = deltaText(this.sent, sentAt, this.plan.payloadBytes);
    this.sent++;
    this.chars += text.length;
    this.hash.update(text);
    const second = Math.floor(sentAt / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.prefix = this.frames.deltaPrefix(lettaDate(sentAt));
    }
    // The text holds only letters, digits, spaces and `@.|~`: no JSON escaping needed.
    return `${this.prefix}"${text}"}\n\n`;
  }

  private finish(aborted: boolean): void {
    this.finished = true;
    clearTimeout(this.timeout);
    clearImmediate(this.immediate);
    if (!aborted) this.res.end(this.frames.end(this.sent));
    this.onDigest({
      agentId: this.agentId,
      tokens: this.sent,
      chars: this.chars,
      sha1: this.hash.digest("hex"),
      aborted,
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  req.setEncoding("utf8");
  for await (const chunk of req) text += chunk as string;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
