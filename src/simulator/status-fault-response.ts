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
  fault: NonNullable<SelectedFaults["status"]>,
  agentId: string,
  background: boolean,
): void {
  const headers: Record<string, string> = {};
  if (fault.retry_after !== undefined) headers["retry-after"] = String(fault.retry_after);
  if (fault.should_retry !== undefined) headers["x-should-retry"] = String(fault.should_retry);
  sendJson(res, fault.status, fault.body ?? statusFaultBody(fault.status, agentId, background), headers);
}
