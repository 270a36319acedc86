import type { AgentEndStatus, AgentErrorCode } from "../protocol/events.js";

/** Why an agent was told to stop from outside its own stream: the `reason` of its stop signal. */
export interface AgentStop {
  status: Extract<AgentEndStatus, "cancelled" | "timed_out" | "failed">;
  code: Extract<AgentErrorCode, "cancelled" | "deadline_exceeded" | "internal">;
  message: string;
  /** Another instance continues the agent: leave its Letta run going (no cancel upstream). */
  handedOver?: boolean;
}

export const stopCancelled = (message = "The agent was cancelled."): AgentStop => ({
  status: "cancelled",
  code: "cancelled",
  message,
});

export const stopTimedOut = (message: string): AgentStop => ({
  status: "timed_out",
  code: "deadline_exceeded",
  message,
});

/** The service cannot go on with the run (e.g. its event store is unreachable for too long). */
export const stopFailed = (message: string): AgentStop => ({ status: "failed", code: "internal", message });

/** The run moves to another instance, which resumes its agents where this one stopped. */
export const stopHandedOver = (): AgentStop => ({
  status: "cancelled",
  code: "cancelled",
  message: "The run was handed over to another instance.",
  handedOver: true,
});

/** Reads an AgentStop back from an aborted signal (anything else counts as a cancel). */
export function stopOf(signal: AbortSignal): AgentStop {
  const reason: unknown = signal.reason;
  if (typeof reason === "object" && reason !== null && "status" in reason && "code" in reason) {
    return reason as AgentStop;
  }
  return stopCancelled();
}
