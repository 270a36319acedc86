import { request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";

/** A raw HTTP response read byte for byte, for framing tests of the simulator. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly response: IncomingMessage;
  /** Everything received so far, decoded as UTF-8. */
  text(): string;
  /** Complete SSE frames received so far (text between blank lines, without the blank line). */
  frames(): string[];
  /** JSON of the `data:` line of every frame that has no `event:` line, is not [DONE] and parses. */
  dataEvents(): Record<string, unknown>[];
  /** Resolves when the body has ended or the connection closed; tells which. */
  readonly finished: Promise<"end" | "close">;
  /** Stops reading from the socket (backpressure) / starts again. */
  pause(): void;
  resume(): void;
  /** Destroys the connection from the client side. */
  destroy(): void;
}

/**
 * Sends a request with `node:http` (no SSE library, no fetch) and resolves once the response
 * headers have arrived; the body keeps arriving in the background.
 */
export function rawRequest(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const text = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(url, {
      method: options.method ?? (text === undefined ? "GET" : "POST"),
      headers: { ...(text === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    });
    req.on("error", reject);
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      let ended = false;
      const finished = new Promise<"end" | "close">((done) => {
        response.on("end", () => {
          ended = true;
          done("end");
        });
        response.on("close", () => done(ended ? "end" : "close"));
        response.on("error", () => done("close"));
      });
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      const all = (): string => Buffer.concat(chunks).toString("utf8");
      const frames = (): string[] => {
        const parts = all().split("\n\n");
        parts.pop();
        return parts;
      };
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        response,
        text: all,
        frames,
        dataEvents: () =>
          frames()
            .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
            .flatMap((frame) => {
              try {
                return [JSON.parse(frame.slice(6)) as Record<string, unknown>];
              } catch {
                return []; // A `malformed` fault's line; tests look at frames() for it.
              }
            }),
        finished,
        pause: () => response.pause(),
        resume: () => response.resume(),
        destroy: () => response.destroy(),
      });
    });
    req.end(text);
  });
}
