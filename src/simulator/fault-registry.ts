import { simFaultSchema, type SimFault, type SimFaultInput } from "./fault-spec.js";
import type { ProducerFault } from "./run-producer.js";
import type { StreamFault } from "./sse-stream.js";
import { LETTA_SHAPE, type StreamShape } from "./stream-shape.js";
import { llmErrorMessage } from "./letta-errors.js";

/** Faults the tests control while the simulator runs. */
export interface SimFaults {
  /**
   * Adds a fault for an agent's coming requests; its request numbers count from the next
   * matching request. Validates the fault; throws a ZodError naming the bad field.
   *
   * @example sim.faults.inject(agentId, { kind: "status", status: 429, retry_after: 0 });
   */
  inject(agentId: string, fault: SimFaultInput): void;
  /** Removes injected faults (of one agent, or all); faults from agent specs stay. */
  clear(agentId?: string): void;
  /** The faults still registered for an agent (spec ones first). */
  list(agentId: string): SimFault[];
}

/** The faults that fire for one request, grouped by where they act. */
export interface SelectedFaults {
  readonly status: Extract<SimFault, { kind: "status" }> | null;
  /** What an `echo_authorization` status fault appends to its body's text, else null. */
  readonly statusEcho: string | null;
  readonly slowHeadersMs: number;
  readonly stream: readonly StreamFault[];
  /** Framing and ending of the response (Letta's own unless a fault changes them). */
  readonly shape: StreamShape;
  readonly producer: readonly ProducerFault[];
}

interface ActiveFault {
  readonly fault: SimFault;
  readonly injected: boolean;
  /** Requests this fault has seen (that it could apply to). */
  seen: number;
}

/** The text with the request's Authorization header quoted, when the fault asks for it. */
function echo(
  text: string,
  fault: { echo_authorization: boolean },
  authorization: string | undefined,
): string {
  if (!fault.echo_authorization) return text;
  return `${text}${text ? " " : ""}(the request had Authorization: ${authorization ?? "(none)"})`;
}

function fires(fault: SimFault, number: number): boolean {
  if (fault.requests !== undefined) return fault.requests.includes(number);
  const from = fault.from ?? 1;
  const times = fault.times ?? 1;
  return number >= from && (times === "always" || number < from + times);
}

function exhausted(fault: SimFault, seen: number): boolean {
  if (fault.requests !== undefined) return seen >= Math.max(...fault.requests);
  const times = fault.times ?? 1;
  return times !== "always" && seen >= (fault.from ?? 1) + times - 1;
}

/** The fault store behind {@link SimFaults}: picks the faults of each request. */
export class FaultRegistry implements SimFaults {
  private readonly faults = new Map<string, ActiveFault[]>();

  inject(agentId: string, fault: SimFaultInput): void {
    const parsed = simFaultSchema.parse(fault);
    this.listFor(agentId).push({ fault: parsed, injected: true, seen: 0 });
  }

  clear(agentId?: string): void {
    const agents = agentId === undefined ? [...this.faults.keys()] : [agentId];
    for (const id of agents)
      this.faults.set(
        id,
        (this.faults.get(id) ?? []).filter((item) => !item.injected),
      );
  }

  list(agentId: string): SimFault[] {
    return (this.faults.get(agentId) ?? []).map((item) => item.fault);
  }

  /** An agent was added, replaced (its spec faults restart) or removed (everything goes). */
  agentChanged(agentId: string, specFaults: readonly SimFault[] | null): void {
    if (specFaults === null) return void this.faults.delete(agentId);
    const injected = (this.faults.get(agentId) ?? []).filter((item) => item.injected);
    this.faults.set(agentId, [
      ...specFaults.map((fault) => ({ fault, injected: false, seen: 0 })),
      ...injected,
    ]);
  }

  /**
   * Counts this request for every fault it could apply to and returns those that fire.
   *
   * @param background whether the request asks for a background stream (for `background_only`).
   * @param authorization the request's Authorization header, for faults that echo it.
   */
  select(
    agentId: string,
    on: "message" | "resume",
    background: boolean,
    authorization: string | undefined,
  ): SelectedFaults {
    const list = this.faults.get(agentId);
    if (list === undefined || list.length === 0)
      return {
        status: null,
        statusEcho: null,
        slowHeadersMs: 0,
        stream: [],
        shape: LETTA_SHAPE,
        producer: [],
      };
    let status: SelectedFaults["status"] = null;
    let statusEcho: string | null = null;
    let slowHeadersMs = 0;
    const stream: StreamFault[] = [];
    let lineEnding: StreamShape["lineEnding"] = LETTA_SHAPE.lineEnding;
    let ending: StreamShape["ending"] = LETTA_SHAPE.ending;
    const producer: ProducerFault[] = [];
    for (const item of list) {
      const fault = item.fault;
      if (fault.on !== on || (fault.kind === "status" && fault.background_only && !background)) continue;
      item.seen++;
      if (!fires(fault, item.seen)) continue;
      switch (fault.kind) {
        case "status":
          if (status === null && fault.echo_authorization) statusEcho = echo("", fault, authorization);
          status ??= fault;
          break;
        case "slow_headers":
          slowHeadersMs += fault.delay_ms;
          break;
        case "drop":
        case "stall":
          stream.push({ kind: fault.kind, afterEvents: fault.after_events });
          break;
        case "malformed":
          stream.push({ kind: "malformed", afterEvents: fault.after_events, text: fault.text });
          break;
        case "oversized":
          stream.push({ kind: "oversized", afterEvents: fault.after_events, bytes: fault.bytes });
          break;
        case "framing":
          lineEnding = fault.line_ending;
          break;
        case "reset_before_done":
          ending = "reset";
          break;
        case "linger_after_done":
          ending = "linger";
          break;
        case "hold":
          producer.push({ kind: "hold", afterEvents: fault.after_events });
          break;
        case "error":
          producer.push({
            kind: "error",
            afterEvents: fault.after_events,
            stopReason: fault.stop_reason,
            error: {
              errorType: fault.error_type,
              message: echo(fault.message ?? llmErrorMessage(fault.error_type), fault, authorization),
              detail: echo(fault.detail, fault, authorization),
            },
          });
          break;
      }
    }
    this.faults.set(
      agentId,
      list.filter((item) => !item.injected || !exhausted(item.fault, item.seen)),
    );
    const byPosition = (a: { afterEvents: number }, b: { afterEvents: number }) =>
      a.afterEvents - b.afterEvents;
    return {
      status,
      statusEcho,
      slowHeadersMs,
      stream: stream.sort(byPosition),
      shape: { lineEnding, ending },
      producer: producer.sort(byPosition),
    };
  }

  private listFor(agentId: string): ActiveFault[] {
    let list = this.faults.get(agentId);
    if (list === undefined) {
      list = [];
      this.faults.set(agentId, list);
    }
    return list;
  }
}
