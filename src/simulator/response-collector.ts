import type { ServerResponse } from "node:http";
import { llmErrorBody, llmErrorStatus, sendJson } from "./letta-errors.js";
import type { ChunkKind, RunSink } from "./run-sink.js";

// "data: " + JSON + "\n\n" → JSON; an error frame has "event: error\n" before that.
function jsonOf(chunk: string): string {
  const start = chunk.indexOf("data: ") + 6;
  return chunk.slice(start, chunk.length - 2);
}

/**
 * The sink of a non-streaming request (`streaming: false`): it gathers the run's complete
 * messages and answers with one `LettaResponse` (letta-wire §1.2) when the run ends. The body is
 * joined from the very JSON texts a stream would carry, so both modes send identical messages.
 * A run that fails answers like Letta does for an LLM error raised before streaming (§2.7).
 */
export class ResponseCollector implements RunSink {
  readonly streaming = false;
  readonly nextSeq = null;
  private readonly messages: string[] = [];
  private stopJson = "";
  private usageJson = "";
  private errorJson = "";
  private done = false;

  /**
   * @param transportFault a `drop` fault destroys the connection instead of answering; a
   *   `stall` fault never answers.
   * @param withheld the answer waits for {@link release} (a `slow_headers` fault on a conversation
   *   send withholds it while the run goes on).
   */
  constructor(
    private readonly res: ServerResponse,
    private readonly transportFault: "drop" | "stall" | null,
    private withheld = false,
  ) {}

  write(chunk: string, kind: ChunkKind): boolean {
    if (kind === "message") this.messages.push(jsonOf(chunk));
    else if (kind === "stop") this.stopJson = jsonOf(chunk);
    else if (kind === "usage") this.usageJson = jsonOf(chunk);
    else if (kind === "error") this.errorJson = jsonOf(chunk);
    return true;
  }

  onDrain(): void {
    // Nothing is written until the end, so there is never backpressure to report.
  }

  end(): void {
    this.done = true;
    if (!this.withheld) this.answer();
  }

  /** The answer may go out now (at once if the run has ended, else when it does). */
  release(): void {
    this.withheld = false;
    if (this.done) this.answer();
  }

  private answer(): void {
    const res = this.res;
    if (res.destroyed || res.headersSent) return;
    if (this.transportFault === "drop") return void res.destroy();
    if (this.transportFault === "stall") return;
    if (this.errorJson !== "") {
      const error = JSON.parse(this.errorJson) as { error_type: string; message: string; detail: string };
      return sendJson(
        res,
        llmErrorStatus(error.error_type),
        llmErrorBody(error.error_type, error.message, error.detail),
      );
    }
    const body = `{"messages":[${this.messages.join(",")}],"stop_reason":${this.stopJson},"usage":${this.usageJson},"logprobs":null,"turns":null}`;
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }
}
