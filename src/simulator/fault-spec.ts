import { z } from "zod";

const afterEvents = z
  .int()
  .min(0)
  .default(0)
  .describe(
    "How many agent message events (reasoning, assistant, tool call and tool return events; not pings) " +
      "go out before the fault acts. 0 acts before the first one, right after the initial ping.",
  );

// Which requests a fault applies to. Each fault counts the requests it could apply to (its `on`
// kind, and background ones only when `background_only`), starting at 1 when it is registered.
const selector = {
  on: z
    .enum(["message", "resume"])
    .default("message")
    .describe("message: send-message requests (streaming or not); resume: POST /v1/runs/{id}/stream."),
  requests: z
    .array(z.int().min(1))
    .min(1)
    .optional()
    .describe("Exactly these request numbers (1 = the first request the fault sees)."),
  from: z.int().min(1).optional().describe("First request number the fault applies to (default 1)."),
  times: z
    .union([z.int().min(1), z.literal("always")])
    .optional()
    .describe('How many consecutive requests from `from` (default 1; "always" for every request).'),
};

const echoAuthorization = z
  .boolean()
  .default(false)
  .describe(
    "Quote the request's Authorization header (the API key) in the error text, like a careless proxy or " +
      "server: for tests that no secret leaks.",
  );

const statusFault = z.strictObject({
  kind: z.literal("status"),
  ...selector,
  status: z.int().min(400).max(599).describe("HTTP status to answer with instead of serving the request."),
  retry_after: z
    .union([z.string().min(1), z.number().min(0)])
    .optional()
    .describe("Value of a Retry-After header to send (seconds or an HTTP date)."),
  should_retry: z
    .boolean()
    .optional()
    .describe(
      "Send `x-should-retry: true|false`, which overrides the SDK's retry decision (letta-wire §4.5).",
    ),
  background_only: z
    .boolean()
    .default(false)
    .describe("Apply only to background requests, like a Letta without Redis (letta-wire §1.3)."),
  body: z.unknown().optional().describe("JSON body to send instead of Letta's body for this status."),
  echo_authorization: echoAuthorization,
});

const dropFault = z.strictObject({ kind: z.literal("drop"), ...selector, after_events: afterEvents });
const stallFault = z.strictObject({ kind: z.literal("stall"), ...selector, after_events: afterEvents });
const holdFault = z.strictObject({ kind: z.literal("hold"), ...selector, after_events: afterEvents });

const errorFault = z.strictObject({
  kind: z.literal("error"),
  ...selector,
  after_events: afterEvents,
  error_type: z.string().min(1).default("llm_error").describe("`error_type` of the error_message event."),
  message: z.string().optional().describe("`message` of the error_message event (default: Letta's text)."),
  detail: z.string().default("Simulated LLM provider error").describe("`detail` of the error_message event."),
  stop_reason: z
    .enum(["llm_api_error", "error", "invalid_llm_response", "context_window_overflow_in_system_prompt"])
    .default("llm_api_error")
    .describe("Stop reason sent before the error event (letta-wire §2.5)."),
  echo_authorization: echoAuthorization,
});

const slowHeadersFault = z.strictObject({
  kind: z.literal("slow_headers"),
  ...selector,
  delay_ms: z.int().min(0).describe("Milliseconds to wait before answering at all."),
});

const malformedFault = z.strictObject({
  kind: z.literal("malformed"),
  ...selector,
  after_events: afterEvents,
  text: z
    .string()
    .default('{"message_type":"assistant_message","content":"trunc')
    .describe("What follows `data: ` on the broken line; the default is cut-off JSON."),
});

const oversizedFault = z.strictObject({
  kind: z.literal("oversized"),
  ...selector,
  after_events: afterEvents,
  bytes: z
    .int()
    .min(1)
    .describe("Size of the whole event on the wire, `data: ` and the blank line included."),
});

const framingFault = z.strictObject({
  kind: z.literal("framing"),
  ...selector,
  line_ending: z
    .enum(["crlf", "cr", "mixed"])
    .describe(
      "Line endings of the whole response instead of Letta's LF: CRLF, CR, or every kind the SSE spec " +
        "allows, mixed (a proxy that rewrites the stream).",
    ),
});

const resetBeforeDoneFault = z.strictObject({ kind: z.literal("reset_before_done"), ...selector });
const lingerAfterDoneFault = z.strictObject({ kind: z.literal("linger_after_done"), ...selector });

/**
 * One fault for a simulated agent, as data: from YAML (`faults:` of an agent) or from a test
 * (`sim.faults.inject(agentId, fault)`). Faults that act on the response (`drop`, `stall`,
 * `malformed`, `oversized`, `framing`, `reset_before_done`, `linger_after_done`) act on the HTTP
 * stream that a request gets; faults that act on the run
 * (`hold`, `error`) act on the agent's work, so a background run held or failed is held or failed
 * for every reader.
 */
export const simFaultSchema = z
  .discriminatedUnion("kind", [
    statusFault,
    dropFault,
    stallFault,
    errorFault,
    slowHeadersFault,
    malformedFault,
    oversizedFault,
    holdFault,
    framingFault,
    resetBeforeDoneFault,
    lingerAfterDoneFault,
  ])
  .superRefine((fault, context) => {
    if (fault.requests !== undefined && (fault.from !== undefined || fault.times !== undefined)) {
      context.addIssue({
        code: "custom",
        path: ["requests"],
        message: "use either `requests` or `from`/`times`, not both",
      });
    }
    if (fault.on === "resume" && (fault.kind === "hold" || fault.kind === "error")) {
      context.addIssue({
        code: "custom",
        path: ["on"],
        message: `a ${fault.kind} fault acts on the run itself, so it applies to message requests only`,
      });
    }
  });

/** A fault as written by a user (defaults not yet applied). */
export type SimFaultInput = z.input<typeof simFaultSchema>;

/** A fault after parsing, with every default filled in. */
export type SimFault = z.output<typeof simFaultSchema>;

/** The fault kinds, for exhaustive switches. */
export type SimFaultKind = SimFault["kind"];
