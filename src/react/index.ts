/**
 * React bindings of letta-fanout (`import { useFanoutRun } from "letta-fanout/react"`), built on
 * the typed client. React is an optional peer dependency of the package.
 */
export { useFanoutRun, type FanoutRunState, type UseFanoutRunOptions } from "./use-fanout-run.js";
export type { AgentView, FanoutRunStatus, RunView } from "./run-view.js";
export type { FollowUpOptions } from "./run-follower.js";
export { RunViewStore, VIEW_THROTTLE_MS } from "./run-view-store.js";
export { FanoutError, createClient, type FanoutClient } from "../client/index.js";
