import type { RequestBody } from "./handle-send-message.js";
import type { RecordedRequestKind } from "./recorder.js";

/** A matched route: what to record about the request, and how to serve it. */
export interface Route {
  readonly kind: RecordedRequestKind;
  readonly methods: readonly string[];
  readonly agentId: string | null;
  readonly handle: (body: RequestBody, query: URLSearchParams) => void | Promise<void>;
}

/** What routing may look at besides the path. */
export interface RouteInput {
  readonly method: string;
  readonly body: RequestBody;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

/** A {@link Route}. */
export function route(
  kind: RecordedRequestKind,
  methods: readonly string[],
  agentId: string | null,
  handle: Route["handle"],
): Route {
  return { kind, methods, agentId, handle };
}
