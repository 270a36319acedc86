import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleListAgents, handleRetrieveAgent } from "./handle-agents.js";
import { handleCancel } from "./handle-cancel.js";
import { handleResume } from "./handle-resume.js";
import { handleListRuns, handleRetrieveRun } from "./handle-runs.js";
import { handleSendMessage, type RequestBody } from "./handle-send-message.js";
import { sendJson, validationErrorBody } from "./letta-errors.js";
import { redactHeaders } from "./recorder.js";
import { route, type Route, type RouteInput } from "./route.js";
import { matchConversations } from "./route-conversations.js";
import type { SimulatorContext } from "./simulator-context.js";

/** What the simulator reports as its Letta version (letta-wire: server pyproject 0.16.8). */
export const SIMULATED_LETTA_VERSION = "0.16.8";

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
    // A client that leaves mid-body gets no answer; without this the request would hang forever.
    req.on("close", () => {
      if (!ended) reject(new Error("request aborted"));
    });
  });
}

function parseBody(text: string): RequestBody {
  if (text.trim() === "") return { kind: "none" };
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch (error) {
    const error_ = error instanceof Error ? error.message : String(error);
    return {
      kind: "invalid",
      error: validationErrorBody([
        {
          type: "json_invalid",
          loc: ["body", 0],
          msg: "JSON decode error",
          input: {},
          ctx: { error: error_ },
        },
      ]),
    };
  }
}

function authorized(header: string | undefined, apiKey: string): boolean {
  const expected = Buffer.from(`Bearer ${apiKey}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function match(
  context: SimulatorContext,
  res: ServerResponse,
  segments: readonly string[],
  request: RouteInput,
): Route | null {
  const authorization = request.authorization;
  const [, version, collection, id, sub, action] = segments;
  if (version !== "v1" || collection === undefined) return null;
  const count = segments.length;
  if (collection === "health" && count === 3) {
    return route("other", ["GET"], null, () =>
      sendJson(res, 200, { version: SIMULATED_LETTA_VERSION, status: "ok" }),
    );
  }
  if (collection === "agents") {
    if (count === 3)
      return route("list", ["GET"], null, (_, query) => handleListAgents(context.agents, res, query));
    if (id === undefined) return null;
    if (count === 4) {
      return route("retrieve", ["GET"], id, (_, query) =>
        handleRetrieveAgent(context.agents, res, id, query),
      );
    }
    if (sub !== "messages") return null;
    if (count === 5)
      return route("message", ["POST"], id, (body) =>
        handleSendMessage(context, res, id, body, false, authorization),
      );
    if (count === 6 && action === "stream") {
      return route("message", ["POST"], id, (body) =>
        handleSendMessage(context, res, id, body, true, authorization),
      );
    }
    if (count === 6 && action === "cancel")
      return route("cancel", ["POST"], id, (body) => handleCancel(context, res, id, body));
    return null;
  }
  if (collection === "conversations") return matchConversations(context, res, segments, request);
  if (collection === "runs") {
    if (count === 3)
      return route("list", ["GET"], null, (_, query) => handleListRuns(context.runs, res, query));
    if (id === undefined) return null;
    const agentId = context.runs.get(id)?.agentId ?? null;
    if (count === 4)
      return route("retrieve", ["GET"], agentId, () => handleRetrieveRun(context.runs, res, id));
    // The router registers only POST; GET is accepted too, as Letta's public docs show it (§1.3).
    if (count === 5 && sub === "stream") {
      return route("resume", ["POST", "GET"], agentId, (body, query) =>
        handleResume(context, res, id, body, query, authorization),
      );
    }
  }
  return null;
}

/**
 * Serves one HTTP request: reads the body, records the request (credentials redacted), checks
 * the bearer token when one is configured (`/v1/health/` is exempt, like Letta's password
 * middleware), and dispatches. Both trailing-slash forms of every path are served (FastAPI would
 * answer the other form with a 307, letta-wire §1).
 */
export async function routeRequest(
  context: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const queryText = queryStart < 0 ? "" : url.slice(queryStart + 1);
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const method = req.method ?? "GET";
  const text = method === "GET" || method === "HEAD" ? "" : await readBody(req);
  const body: RequestBody = text === null ? { kind: "none" } : parseBody(text);
  const query = new URLSearchParams(queryText);
  const route = match(context, res, trimmed.split("/"), {
    method,
    body,
    query,
    authorization: req.headers.authorization,
  });
  const record = context.recorder.addRequest({
    method,
    path,
    query: queryText,
    kind: route?.kind ?? "other",
    agentId: route?.agentId ?? null,
    body: body.kind === "json" ? body.value : body.kind === "invalid" ? text : null,
    headers: redactHeaders(req.headers),
    at: Date.now(),
    status: null,
  });
  res.once("close", () => {
    record.status = res.headersSent ? res.statusCode : null;
  });
  if (text === null) return sendJson(res, 413, { detail: "Request body too large" });
  const apiKey = context.settings.apiKey;
  if (apiKey !== null && trimmed !== "/v1/health" && !authorized(req.headers.authorization, apiKey)) {
    const detail = context.settings.echoUnauthorized
      ? `Unauthorized: the request had Authorization: ${req.headers.authorization ?? "(none)"}`
      : "Unauthorized";
    return sendJson(res, 401, { detail });
  }
  if (route === null) return sendJson(res, 404, { detail: "Not Found" });
  if (!route.methods.includes(method)) return sendJson(res, 405, { detail: "Method Not Allowed" });
  await route.handle(body, query);
}
