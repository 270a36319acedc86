/**
 * The typed client of letta-fanout (`import { createClient } from "letta-fanout/client"`).
 * Web standards only: it runs in Node 20+ and in browsers, and imports nothing of the server.
 */
export { createClient } from "./create-client.js";
export type {
  ClientOptions,
  FanoutClient,
  PanelAgentInfo,
  PanelInfo,
  RunEvents,
  RunHandle,
  RunSummary,
  SignalOption,
} from "./client-types.js";
export { FanoutError, type FanoutErrorDetail } from "./fanout-error.js";
export type { ReconnectOptions } from "./reconnect-delay.js";
export { SseParser, type SseMessage } from "./sse-parser.js";
export { FanoutEvent, type FanoutEventType, type AgentEvent } from "../protocol/events.js";
export type { RunRequest, PanelRunRequest, FollowUpRequest, MessageInput } from "../protocol/run-request.js";
export { applyEvent, emptySnapshot, type RunSnapshot, type AgentSnapshot } from "../protocol/run-snapshot.js";
export type { RunOptionsInput, RunConversation } from "../protocol/run-options.js";
export type { AgentOptionsInput, AgentEntryOptionsInput } from "../protocol/agent-options.js";
