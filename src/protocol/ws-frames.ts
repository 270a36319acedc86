import { z } from "zod";
import { AgentId } from "./run-request.js";
import type { RunEndStatus } from "./events.js";

/**
 * The frames of `GET /v1/ws` (API.md §2). The client sends JSON text frames, each with a `type`
 * and an optional `request_id` that the server echoes in the answer to that frame. The server
 * sends the run events of §3 unchanged (one per text frame) plus the acknowledgements and error
 * frames below.
 */
export const WS_CLIENT_FRAME_TYPES = [
  "run.create",
  "run.cancel",
  "subscribe",
  "unsubscribe",
  "ping",
] as const;
export type WsClientFrameType = (typeof WS_CLIENT_FRAME_TYPES)[number];

/** Chosen by the client to match answers to requests; echoed verbatim. */
export const RequestId = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

const RunId = z.string().min(1, "must name a run").max(200, "is not a run id");

/** A run cursor: the `seq` of the last event seen, as a decimal string (or a number). */
const Cursor = z.union(
  [z.string().regex(/^\d{1,15}$/), z.int().min(0).max(Number.MAX_SAFE_INTEGER)],
  'must be a cursor: the seq of the last event seen, e.g. "42"',
);

/**
 * The envelope every client frame shares; the rest is checked per type. `run.create` carries
 * the body of `POST /v1/runs` beside `type` and `request_id`, validated as that body is.
 */
export const WsEnvelope = z.looseObject({
  type: z.enum(WS_CLIENT_FRAME_TYPES, {
    error: `must be one of ${WS_CLIENT_FRAME_TYPES.map((type) => `"${type}"`).join(", ")}`,
  }),
  request_id: RequestId.optional(),
});

/** `{"type":"run.cancel","run_id","agent_ids"?}`: as `POST /v1/runs/{run_id}/cancel`. */
export const WsCancelFrame = z.strictObject({
  type: z.literal("run.cancel"),
  request_id: RequestId.optional(),
  run_id: RunId,
  agent_ids: z.array(AgentId).min(1).optional(),
});

/** `{"type":"subscribe","run_id","after"?}`: the run's events after `after` (else from the start), then live. */
export const WsSubscribeFrame = z.strictObject({
  type: z.literal("subscribe"),
  request_id: RequestId.optional(),
  run_id: RunId,
  after: Cursor.transform(Number).optional(),
});

/** `{"type":"unsubscribe","run_id"}`: stop receiving a run's events (the run goes on). */
export const WsUnsubscribeFrame = z.strictObject({
  type: z.literal("unsubscribe"),
  request_id: RequestId.optional(),
  run_id: RunId,
});

/** `{"type":"ping"}`: answered by `pong` (browsers cannot send WebSocket pings). */
export const WsPingFrame = z.strictObject({ type: z.literal("ping"), request_id: RequestId.optional() });

/** A client frame after validation (`run.create`'s body is validated when the run is planned). */
export type WsClientFrame =
  | { type: "run.create"; request_id?: string; body: Record<string, unknown> }
  | z.output<typeof WsCancelFrame>
  | z.output<typeof WsSubscribeFrame>
  | z.output<typeof WsUnsubscribeFrame>
  | z.output<typeof WsPingFrame>;

/** Answer to `run.create`: the run started and this socket is subscribed to it from its first event. */
export interface WsRunCreatedFrame {
  type: "run.created";
  run_id: string;
  status: "running";
  agents: string[];
  request_id?: string;
}

/** Answer to `run.cancel`: `status` is the final status, or `running` while the run still ends. */
export interface WsRunCancelledFrame {
  type: "run.cancelled";
  run_id: string;
  status: RunEndStatus | "running";
  agent_ids?: string[];
  request_id?: string;
}

/** Answer to `subscribe`: the run's events after `after` follow. */
export interface WsSubscribedFrame {
  type: "subscribed";
  run_id: string;
  after: string;
  request_id?: string;
}

/** Answer to `unsubscribe`: no more events of this run follow. */
export interface WsUnsubscribedFrame {
  type: "unsubscribed";
  run_id: string;
  request_id?: string;
}

export interface WsPongFrame {
  type: "pong";
  request_id?: string;
}

/**
 * A problem with one frame or one subscription, with the codes of API.md §3 and §5. The socket
 * stays open, except after `shutting_down` (then a close frame 1001 follows).
 */
export interface WsErrorFrame {
  type: "error";
  code: string;
  message: string;
  details?: { path: string; message: string }[];
  /** The `request_id` of the frame this answers, if it had one. */
  request_id?: string;
  /** The run this is about (e.g. a subscription whose cursor retention overtook). */
  run_id?: string;
  /** With `rate_limited` and `overloaded`: seconds to wait before trying again. */
  retry_after_s?: number;
}

/** Every frame the server sends besides run events. */
export type WsServerFrame =
  | WsRunCreatedFrame
  | WsRunCancelledFrame
  | WsSubscribedFrame
  | WsUnsubscribedFrame
  | WsPongFrame
  | WsErrorFrame;
