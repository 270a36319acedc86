import type { ServerResponse } from "node:http";
import type { SelectedFaults } from "./fault-registry.js";
import { sendJson, statusFaultBody } from "./letta-errors.js";

/**
 * Answers a request with the status a `status` fault asks for, with Letta's body for it, a
 * `Retry-After` header when the fault has one, and `x-should-retry` only when the fault sets it
 * (tests of the SDK's own retries need it absent, letta-wire §4.5).
 */
export function sendStatusFault(
  res: ServerResponse,
  faults: SelectedFaults,
  agentId: string,
  background: boolean,
): void {
  const fault = faults.status;
  if (fault === null) return;
  const headers: Record<string, string> = {};
  if (fault.retry_after !== undefined) headers["retry-after"] = String(fault.retry_after);
  if (fault.should_retry !== undefined) headers["x-should-retry"] = String(fault.should_retry);
  const body = fault.body ?? statusFaultBody(fault.status, agentId, background);
  sendJson(res, fault.status, faults.statusEcho === null ? body : echoed(body, faults.statusEcho), headers);
}

/** The body with the echo appended to its text (`detail`, or `error.detail`), or added as `detail`. */
function echoed(body: unknown, echo: string): unknown {
  if (typeof body !== "object" || body === null) return { detail: `${String(body)} ${echo}` };
  const record = body as Record<string, unknown>;
  const nested = record.error;
  if (typeof nested === "object" && nested !== null) {
    const error = nested as Record<string, unknown>;
    const detail = typeof error.detail === "string" ? error.detail : "";
    return { ...record, error: { ...error, detail: `${detail} ${echo}`.trim() } };
  }
  return { ...record, detail: `${typeof record.detail === "string" ? record.detail : ""} ${echo}`.trim() };
}
