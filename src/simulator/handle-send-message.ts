import type { ServerResponse } from "node:http";
import type { CompiledAgent } from "./compile-agent.js";
import type { SelectedFaults } from "./fault-registry.js";
import {
  agentNotFoundBody,
  backgroundUnavailableBody,
  malformedAgentIdBody,
  sendJson,
} from "./letta-errors.js";
import { pingTemplate, renderPing } from "./letta-events.js";
import { isAgentId } from "./letta-ids.js";
import { openSseStream } from "./open-sse-stream.js";
import { parseMessageRequest, type MessageRequest } from "./parse-message-request.js";
import { ResponseCollector } from "./response-collector.js";
import { RunLog } from "./run-log.js";
import { planRun } from "./run-plan.js";
import { RunProducer } from "./run-producer.js";
import type { RunSink } from "./run-sink.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import { sendStatusFault } from "./status-fault-response.js";

/** A request body as read: parsed JSON, or why it could not be parsed. */
export type RequestBody =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "invalid"; readonly error: Record<string, unknown> };

function startRun(
  context: SimulatorContext,
  res: ServerResponse,
  agent: CompiledAgent,
  request: MessageRequest,
  faults: SelectedFaults,
): void {
  const agentId = agent.spec.id;
  const background = request.streaming && request.background;
  const run = context.runs.create(agentId, background);
  const plan = planRun(agent, {
    runId: run.id,
    userText: request.userText,
    // Models that can't token-stream silently get step streaming (letta-wire §1.1).
    tokenMode: request.streaming && request.streamTokens && agent.tokenStreaming,
    maxSteps: request.maxSteps,
  });
  const startedAt = performance.now();
  let sink: RunSink;
  let log: RunLog | null = null;
  if (!request.streaming) {
    const transport = faults.stream.find((fault) => fault.kind === "drop" || fault.kind === "stall");
    sink = new ResponseCollector(
      res,
      transport?.kind === "drop" || transport?.kind === "stall" ? transport.kind : null,
    );
  } else if (background) {
    // The run writes into its chunk log; this response is just its first reader (letta-wire §1.3).
    log = new RunLog();
    run.log = log;
    context.runs.scheduleExpiry(run);
    if (request.includePings) log.write(renderPing(pingTemplate(run.id), log.nextSeq), "ping");
    sink = log;
  } else {
    const stream = openSseStream(context, res, run, {
      keepalive: request.includePings,
      faults: faults.stream,
      shape: faults.shape,
      resumedFrom: null,
    });
    // The initial ping carries the run id and flushes the headers at once (letta-wire §2.1, §2.3).
    if (request.includePings) stream.write(renderPing(pingTemplate(run.id), null), "ping");
    sink = stream;
  }
  const producer: RunProducer = new RunProducer(plan, sink, agent.spec.speed, faults.producer, {
    hold: (held) => context.releases.hold(agentId, held),
    finished: (outcome) => {
      context.releases.forget(agentId, producer);
      context.runs.finish(run, outcome, startedAt);
    },
  });
  run.producer = producer;
  run.status = "running";
  producer.start();
  if (log !== null) {
    const stream = openSseStream(context, res, run, {
      keepalive: request.includePings,
      faults: faults.stream,
      shape: faults.shape,
      resumedFrom: null,
    });
    log.attach(stream, 0);
  }
}

/**
 * `POST /v1/agents/{agent_id}/messages` (and the deprecated `/messages/stream`, which always
 * streams): validates like Letta (path id 422, body 422s, then 404 for an unknown agent, letta-wire
 * §1.1, §2.7), applies the request's faults, and starts the run as an SSE stream, a background run
 * or a JSON `LettaResponse`.
 */
export async function handleSendMessage(
  context: SimulatorContext,
  res: ServerResponse,
  agentId: string,
  body: RequestBody,
  alwaysStream: boolean,
  authorization: string | undefined,
): Promise<void> {
  if (!isAgentId(agentId)) return sendJson(res, 422, malformedAgentIdBody(agentId));
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const parsed = parseMessageRequest(body.kind === "json" ? body.value : undefined, alwaysStream);
  if (!parsed.ok) return sendJson(res, 422, parsed.body);
  const request = parsed.request;
  const agent = context.agents.compiled(agentId);
  if (agent === undefined) return sendJson(res, 404, agentNotFoundBody(agentId));
  const background = request.streaming && request.background;
  const faults = context.faults.select(agentId, "message", background, authorization);
  if (faults.slowHeadersMs > 0) {
    await delay(context, faults.slowHeadersMs);
    if (res.destroyed) return;
  }
  if (faults.status !== null) return sendStatusFault(res, faults, agentId, background);
  if (background && !context.settings.background) return sendJson(res, 503, backgroundUnavailableBody());
  // The agent may have been replaced or removed during a slow_headers delay.
  startRun(context, res, context.agents.compiled(agentId) ?? agent, request, faults);
}
