import type { z } from "zod";
import { AppError, validationError } from "../errors.js";
import {
  WsCancelFrame,
  WsEnvelope,
  WsPingFrame,
  WsSubscribeFrame,
  WsUnsubscribeFrame,
  type WsClientFrame,
} from "../protocol/ws-frames.js";
import { zodDetails } from "../protocol/zod-details.js";

/** A client frame, or why it was refused (with its `request_id` when one could be read). */
export type WsFrameResult =
  { ok: true; frame: WsClientFrame } | { ok: false; error: AppError; requestId: string | undefined };

/**
 * Parses one client message of `GET /v1/ws` with the errors of API.md §5 (the WebSocket's
 * equivalent of `readJsonBody`): binary frames are `unsupported_media_type`, frames over
 * `maxBytes` are `payload_too_large`, text that is not JSON is `invalid_json`, and a frame
 * with an unknown `type` or bad fields is `validation_failed` naming each bad path.
 *
 * @example
 *   const result = readWsFrame('{"type":"subscribe","run_id":"fr-…","after":"41"}', 1_048_576);
 *   // → { ok: true, frame: { type: "subscribe", run_id: "fr-…", after: 41 } }
 */
export function readWsFrame(data: unknown, maxBytes: number): WsFrameResult {
  if (typeof data !== "string") {
    return refused(
      new AppError(
        "unsupported_media_type",
        "Binary frames are not accepted: send each request as a JSON text frame.",
        415,
      ),
    );
  }
  if (byteLengthOver(data, maxBytes)) {
    return refused(
      new AppError(
        "payload_too_large",
        `The frame is larger than ${maxBytes} bytes (limits.max_body_bytes).`,
        413,
      ),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "unparsable";
    return refused(new AppError("invalid_json", `The frame is not valid JSON (${reason}).`, 400));
  }
  const requestId = requestIdOf(json);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return refused(validationError([{ path: "", message: "must be a JSON object with a type" }]), requestId);
  }
  const envelope = WsEnvelope.safeParse(json);
  if (!envelope.success) return refused(validationError(zodDetails(envelope.error)), requestId);
  switch (envelope.data.type) {
    case "run.create": {
      // The rest is the POST /v1/runs body; planRun validates it with the same paths.
      const { type: _type, request_id, ...body } = envelope.data;
      const frame: WsClientFrame = { type: "run.create", body };
      if (request_id !== undefined) frame.request_id = request_id;
      return { ok: true, frame };
    }
    case "run.cancel":
      return checked(WsCancelFrame, json, requestId);
    case "subscribe":
      return checked(WsSubscribeFrame, json, requestId);
    case "unsubscribe":
      return checked(WsUnsubscribeFrame, json, requestId);
    case "ping":
      return checked(WsPingFrame, json, requestId);
  }
}

function checked(
  schema: z.ZodType<WsClientFrame>,
  json: unknown,
  requestId: string | undefined,
): WsFrameResult {
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, frame: parsed.data }
    : refused(validationError(zodDetails(parsed.error)), requestId);
}

function refused(error: AppError, requestId?: string): WsFrameResult {
  return { ok: false, error, requestId };
}

/** The frame's `request_id`, if it has a usable one (echoed even when the rest is invalid). */
function requestIdOf(json: unknown): string | undefined {
  if (typeof json !== "object" || json === null || !("request_id" in json)) return undefined;
  const id = json.request_id;
  return typeof id === "string" && id.length > 0 && id.length <= 200 ? id : undefined;
}

/** UTF-8 length over `max`, without encoding the text when its length alone decides. */
function byteLengthOver(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text) > max;
}
