import type { ServerResponse } from "node:http";
import { agentDirectAgent, conversationIdOrDefaultError } from "./conversation-ids.js";
import type { RequestBody } from "./handle-send-message.js";
import {
  conversationStreamUnavailableBody,
  runNotFoundBody,
  sendJson,
  validationErrorBody,
  type PydanticError,
} from "./letta-errors.js";
import { laxBool, laxInt, optionalString } from "./pydantic-lax.js";
import type { SimRun } from "./run-store.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import { openRunReader } from "./start-run.js";
import { sendStatusFault } from "./status-fault-response.js";

const EXPIRED_BODY = { detail: "EXPIRED: Run was created more than 3 hours ago, and is now expired." };

/** `RetrieveStreamRequest` as the conversation stream endpoint reads it (letta-wire §1.3, §1.6). */
interface StreamRequest {
  readonly agentId: string | null;
  readonly runId: string | null;
  readonly otid: string | null;
  readonly startingAfter: number;
  readonly includePings: boolean;
}

// The body is optional (`Body(None)`): without one, Letta has no request, so no keepalive pings.
type Parsed = { ok: true; request: StreamRequest } | { ok: false; body: Record<string, unknown> };

function streamRequest(body: RequestBody): Parsed {
  if (body.kind === "none") {
    return {
      ok: true,
      request: { agentId: null, runId: null, otid: null, startingAfter: 0, includePings: false },
    };
  }
  if (body.kind === "invalid") return { ok: false, body: body.error };
  const source = body.value;
  if (typeof source !== "object" || source === null || Array.isArray(source)) {
    const body = validationErrorBody([
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: source,
      },
    ]);
    return { ok: false, body };
  }
  const fields = source as Record<string, unknown>;
  const errors: PydanticError[] = [];
  const startingAfter = laxInt("starting_after", fields["starting_after"], 0);
  // `if request.include_pings`: null and false both mean no keepalive pings.
  const pings =
    fields["include_pings"] === null
      ? { ok: true as const, value: false }
      : laxBool("include_pings", fields["include_pings"], true);
  if (!startingAfter.ok) errors.push(startingAfter.error);
  if (!pings.ok) errors.push(pings.error);
  const request = {
    agentId: optionalString(fields, "agent_id", errors),
    runId: optionalString(fields, "run_id", errors),
    otid: optionalString(fields, "otid", errors),
    startingAfter: startingAfter.ok ? startingAfter.value : 0,
    includePings: pings.ok && pings.value,
  };
  return errors.length > 0 ? { ok: false, body: validationErrorBody(errors) } : { ok: true, request };
}

// Letta polls Redis for an otid's run three times, 250 ms, 500 ms and 1 s apart: the request
// that made the run may still be storing it.
const OTID_RETRY_DELAYS_MS = [250, 500, 1000];

type Found = { run: SimRun } | { status: number; body: Record<string, unknown> };

async function findRun(
  context: SimulatorContext,
  conversationId: string,
  request: StreamRequest,
): Promise<Found> {
  if (request.runId !== null) {
    const run = context.runs.get(request.runId);
    return run === undefined ? { status: 404, body: runNotFoundBody(request.runId) } : { run };
  }
  if (request.otid !== null) {
    let runId = context.otidRuns.get(request.otid);
    for (const wait of OTID_RETRY_DELAYS_MS) {
      if (runId !== null) break;
      await delay(context, wait);
      runId = context.otidRuns.get(request.otid);
    }
    if (runId === null) {
      const detail = `No run found for otid=${request.otid}. The run may have expired or never existed.`;
      return { status: 404, body: { detail } };
    }
    const run = context.runs.get(runId);
    const detail = `Run ${runId} (from otid=${request.otid}) not found.`;
    return run === undefined ? { status: 404, body: { detail } } : { run };
  }
  // The most recent active run: of the agent (any conversation) in agent-direct mode, else of
  // the conversation (Letta does not check that the conversation exists here).
  const agentId = agentDirectAgent(conversationId, request.agentId);
  const run =
    agentId === null ? context.runs.activeIn(conversationId)[0] : context.runs.activeFor(agentId)[0];
  if (run === undefined)
    return { status: 400, body: { detail: "INVALID_ARGUMENT: No active runs found for this conversation." } };
  if (!run.background) {
    const detail = "INVALID_ARGUMENT: Run was not created in background mode, so it cannot be retrieved.";
    return { status: 400, body: { detail } };
  }
  return { run };
}

/**
 * `POST /v1/conversations/{conversation_id}/stream` (SDK `conversations.messages.stream`, letta-wire
 * §1.6): reattaches to a run, found by `run_id`, else by `otid` (any input otid or the request
 * token), else as the most recent active background run of the conversation (or of the agent in
 * agent-direct mode), and streams its chunks after `starting_after` like the runs stream. 503
 * without Redis, 410 past the run TTL. A run found by id or otid is not checked for background
 * mode: a foreground run's empty stream stays silent (keepalive pings only).
 */
export async function handleConversationStream(
  context: SimulatorContext,
  res: ServerResponse,
  conversationId: string,
  body: RequestBody,
  authorization: string | undefined,
): Promise<void> {
  const pathError = conversationIdOrDefaultError(conversationId);
  if (pathError !== null) return sendJson(res, 422, pathError);
  const parsed = streamRequest(body);
  if (!parsed.ok) return sendJson(res, 422, parsed.body);
  const request = parsed.request;
  if (!context.settings.redis) return sendJson(res, 503, conversationStreamUnavailableBody());
  const found = await findRun(context, conversationId, request);
  if (!("run" in found)) return sendJson(res, found.status, found.body);
  const run = found.run;
  if (context.runs.isExpired(run)) return sendJson(res, 410, EXPIRED_BODY);
  const faults = context.faults.select(run.agentId, "resume", run.background, authorization);
  if (faults.slowHeadersMs > 0) {
    await delay(context, faults.slowHeadersMs);
    if (res.destroyed) return;
  }
  if (faults.status !== null) return sendStatusFault(res, faults, run.agentId, run.background);
  // A background run whose chunk log was freed answers 410, as on the runs stream.
  if (run.background && (run.log === null || context.runs.isExpired(run)))
    return sendJson(res, 410, EXPIRED_BODY);
  openRunReader(context, res, run, {
    startingAfter: request.startingAfter,
    keepalive: request.includePings,
    faults,
  });
}
