import type { ServerResponse } from "node:http";
import type { CompiledAgent } from "./compile-agent.js";
import { DeferredSink } from "./deferred-sink.js";
import type { SelectedFaults } from "./fault-registry.js";
import { pingTemplate, renderPing } from "./letta-events.js";
import { openSseStream } from "./open-sse-stream.js";
import type { MessageRequest } from "./parse-message-request.js";
import { ResponseCollector } from "./response-collector.js";
import { RunLog } from "./run-log.js";
import { planRun } from "./run-plan.js";
import { RunProducer } from "./run-producer.js";
import type { RunSink } from "./run-sink.js";
import type { SimRun } from "./run-store.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import type { SseStream } from "./sse-stream.js";

/** Where a run comes from: which endpoint, which conversation, which lock it holds. */
export interface RunOrigin {
  readonly endpoint: "agent" | "conversation";
  /** The run's `conversation_id`: the conversation in conversation mode, else null. */
  readonly conversationId: string | null;
  /** The conversation lock the run holds until it ends (released then), or null. */
  readonly lockKey: string | null;
  /**
   * How long the response headers are withheld while the run already goes on (a `slow_headers`
   * fault on a conversation send); 0 = answer at once.
   */
  readonly headersDelayMs: number;
}

/**
 * Starts a run and answers the request with it: an SSE stream (foreground), the first reader of
 * the run's chunk log (background), or a JSON `LettaResponse` once it ends (non-streaming). The
 * one send path of the agent and conversation endpoints. The run is recorded (`record.runs()`)
 * and, when it ends, releases its conversation lock.
 */
export function startRun(
  context: SimulatorContext,
  res: ServerResponse,
  agent: CompiledAgent,
  request: MessageRequest,
  faults: SelectedFaults,
  origin: RunOrigin,
): SimRun {
  const agentId = agent.spec.id;
  const background = request.streaming && request.background;
  const run = context.runs.create(agentId, background, origin.conversationId);
  const plan = planRun(agent, {
    runId: run.id,
    userText: request.userText,
    // Models that can't token-stream silently get step streaming (letta-wire §1.1).
    tokenMode: request.streaming && request.streamTokens && agent.tokenStreaming,
    maxSteps: request.maxSteps,
  });
  const startedAt = performance.now();
  const deferred = origin.headersDelayMs > 0;
  const openStream = (): SseStream =>
    openSseStream(context, res, run, {
      keepalive: request.includePings,
      faults: faults.stream,
      shape: faults.shape,
      resumedFrom: null,
    });
  let sink: RunSink;
  let respond: () => void = () => undefined;
  let abandon: () => void = () => undefined;
  if (!request.streaming) {
    const transport = faults.stream.find((fault) => fault.kind === "drop" || fault.kind === "stall");
    const collector = new ResponseCollector(
      res,
      transport?.kind === "drop" || transport?.kind === "stall" ? transport.kind : null,
      deferred,
    );
    respond = () => collector.release();
    sink = collector;
  } else if (background) {
    // The run writes into its chunk log; this response is just its first reader (letta-wire §1.3).
    const log = new RunLog();
    run.log = log;
    context.runs.scheduleExpiry(run);
    if (request.includePings) log.write(renderPing(pingTemplate(run.id), log.nextSeq), "ping");
    respond = () => log.attach(openStream(), 0);
    sink = log;
  } else if (deferred) {
    const pending = new DeferredSink();
    respond = () => pending.attach(openStream());
    abandon = () => pending.abandon();
    sink = pending;
  } else {
    sink = openStream();
  }
  // The initial ping carries the run id and flushes the headers at once (letta-wire §2.1, §2.3).
  if (request.streaming && !background && request.includePings)
    sink.write(renderPing(pingTemplate(run.id), null), "ping");

  const record = context.recorder.addRun({
    runId: run.id,
    agentId,
    conversationId: origin.conversationId ?? "default",
    endpoint: origin.endpoint,
    background,
    otids: request.messages.map((message) => message.otid),
    messages: request.messages,
  });
  if (origin.conversationId !== null)
    context.conversations.addMessages(origin.conversationId, request.messages.length);
  const producer: RunProducer = new RunProducer(plan, sink, agent.spec.speed, faults.producer, {
    hold: (held) => context.releases.hold(agentId, held),
    finished: (outcome) => {
      context.releases.forget(agentId, producer);
      context.runs.finish(run, outcome, startedAt);
      context.recorder.endRun(record, outcome.status);
      if (origin.lockKey !== null) context.locks.release(origin.lockKey);
    },
  });
  run.producer = producer;
  run.status = "running";
  producer.start();
  if (!deferred) respond();
  else {
    void delay(context, origin.headersDelayMs).then(() => {
      if (res.destroyed) abandon();
      else respond();
    });
  }
  return run;
}

/**
 * Answers a request with a reader of an existing run, the way Letta's `redis_sse_stream_generator`
 * reads a run's Redis stream: the chunks with seq_id > `startingAfter`, live until the run's last
 * one. A run without a chunk log (a foreground run) has an empty Redis stream in Letta, which is
 * polled forever: the response then stays silent but for keepalive pings until the client leaves.
 */
export function openRunReader(
  context: SimulatorContext,
  res: ServerResponse,
  run: SimRun,
  options: { startingAfter: number; keepalive: boolean; faults: SelectedFaults },
): void {
  const stream = openSseStream(context, res, run, {
    keepalive: options.keepalive,
    faults: options.faults.stream,
    shape: options.faults.shape,
    resumedFrom: options.startingAfter,
  });
  run.log?.attach(stream, options.startingAfter);
}
