import type { ServerResponse } from "node:http";
import type { RequestBody } from "./handle-send-message.js";
import { runNotFoundBody, sendJson, validationErrorBody } from "./letta-errors.js";
import { openSseStream } from "./open-sse-stream.js";
import { delay, type SimulatorContext } from "./simulator-context.js";
import { sendStatusFault } from "./status-fault-response.js";

// Letta's text names its own 3-hour TTL whatever `runTtlMs` is (letta-wire §1.3).
const EXPIRED_BODY = { detail: "EXPIRED: Run was created more than 3 hours ago, and is now expired." };

interface ResumeOptions {
  readonly startingAfter: number;
  readonly includePings: boolean;
}

// RetrieveStreamRequest (letta-wire §1.3): starting_after (int, default 0), include_pings
// (bool|null, default true); the other fields are accepted and ignored. GET takes them as query.
function resumeOptions(
  body: RequestBody,
  query: URLSearchParams,
): { ok: true; options: ResumeOptions } | { ok: false; body: Record<string, unknown> } {
  const source: Record<string, unknown> =
    body.kind === "json" && typeof body.value === "object" && body.value !== null
      ? (body.value as Record<string, unknown>)
      : Object.fromEntries(query.entries());
  const rawStart = source["starting_after"] ?? 0;
  const startingAfter = typeof rawStart === "string" && /^\d+$/.test(rawStart) ? Number(rawStart) : rawStart;
  if (typeof startingAfter !== "number" || !Number.isInteger(startingAfter)) {
    return {
      ok: false,
      body: validationErrorBody([
        {
          type: "int_parsing",
          loc: ["body", "starting_after"],
          msg: "Input should be a valid integer",
          input: rawStart,
        },
      ]),
    };
  }
  const pings = source["include_pings"];
  // `if request.include_pings` in the router: null and false both mean no keepalive pings.
  const includePings = pings === undefined || pings === true || pings === "true";
  return { ok: true, options: { startingAfter, includePings } };
}

/**
 * `POST /v1/runs/{run_id}/stream` (GET accepted too): replays a background run's chunks with
 * seq_id > `starting_after`, then follows it live with keepalive pings only (letta-wire §1.3).
 * 404 unknown run, 400 not a background run, 410 past the run TTL.
 */
export async function handleResume(
  context: SimulatorContext,
  res: ServerResponse,
  runId: string,
  body: RequestBody,
  query: URLSearchParams,
  authorization: string | undefined,
): Promise<void> {
  if (body.kind === "invalid") return sendJson(res, 422, body.error);
  const run = context.runs.get(runId);
  if (run === undefined) return sendJson(res, 404, runNotFoundBody(runId));
  if (!run.background) {
    return sendJson(res, 400, {
      detail: "INVALID_ARGUMENT: Run was not created in background mode, so it cannot be retrieved.",
    });
  }
  if (context.runs.isExpired(run)) {
    return sendJson(res, 410, EXPIRED_BODY);
  }
  const parsed = resumeOptions(body, query);
  if (!parsed.ok) return sendJson(res, 422, parsed.body);
  const { startingAfter, includePings } = parsed.options;
  const faults = context.faults.select(run.agentId, "resume", true, authorization);
  if (faults.slowHeadersMs > 0) {
    await delay(context, faults.slowHeadersMs);
    if (res.destroyed) return;
  }
  if (faults.status !== null) return sendStatusFault(res, faults, run.agentId, true);
  // Checked after the faults: a slow_headers delay may outlast the TTL.
  const log = run.log;
  if (log === null || context.runs.isExpired(run)) return sendJson(res, 410, EXPIRED_BODY);
  const stream = openSseStream(context, res, run, {
    keepalive: includePings,
    faults: faults.stream,
    shape: faults.shape,
    resumedFrom: startingAfter,
  });
  log.attach(stream, startingAfter);
}
