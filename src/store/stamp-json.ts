import type { EventDraft } from "../protocol/events.js";

type DeltaDraft = Extract<EventDraft, { type: "agent.delta" }>;

/**
 * The JSON of a stamped event, built from the draft's JSON without copying the draft into a new
 * object (a measurable cost per event, bench/ scenario A): `run_id`, `seq` and `ts` go right
 * after `type`, so every event reads `{"type":…,"run_id":…,"seq":…,"ts":…,"agent_id":…,…}`.
 * Drafts are built with `type` as their first key; one that is not falls back to a copy.
 * `agent.delta`, most events by far, is written by hand (see `stampDeltaJson`).
 */
export function stampJson(draft: EventDraft, runIdJson: string, seq: number, ts: number): string {
  if (draft.type === "agent.delta") return stampDeltaJson(draft, runIdJson, seq, ts);
  const json = JSON.stringify(draft);
  const stamp = `,"run_id":${runIdJson},"seq":${seq},"ts":${ts}`;
  const typeEnd = 10 + draft.type.length; // {"type":"<type>"
  if (json.startsWith('{"type":"') && json.charCodeAt(typeEnd - 1) === 0x22) {
    return json.slice(0, typeEnd) + stamp + json.slice(typeEnd);
  }
  const { type, ...rest } = draft;
  return JSON.stringify({ type, run_id: JSON.parse(runIdJson) as string, seq, ts, ...rest });
}

/** The last `agent_id` and `message_id` escaped, per value: they repeat for every delta of a message. */
let lastAgentId = "";
let lastAgentIdJson = '""';
let lastMessageId = "";
let lastMessageIdJson = '""';

/**
 * An `agent.delta` in the order its drafts are built (type, agent_id, message_id, kind, text),
 * byte for byte what `JSON.stringify` of the stamped draft gives (a property-based test in
 * stamp-json.test.ts holds it to that), without walking a draft object per event: the generic
 * JSON.stringify of the whole draft was the store's largest cost per event (bench/ scenario A
 * profile, ~19 %). Each string is escaped by `JSON.stringify` of the string alone (V8's fast
 * path); the ids, which repeat for a whole message, are escaped once per change.
 */
function stampDeltaJson(draft: DeltaDraft, runIdJson: string, seq: number, ts: number): string {
  const { agent_id, message_id } = draft;
  if (agent_id !== lastAgentId) {
    lastAgentId = agent_id;
    lastAgentIdJson = JSON.stringify(agent_id);
  }
  if (message_id !== lastMessageId) {
    lastMessageId = message_id;
    lastMessageIdJson = JSON.stringify(message_id);
  }
  return (
    '{"type":"agent.delta","run_id":' +
    runIdJson +
    ',"seq":' +
    String(seq) +
    ',"ts":' +
    String(ts) +
    ',"agent_id":' +
    lastAgentIdJson +
    ',"message_id":' +
    lastMessageIdJson +
    ',"kind":' +
    kindJson(draft.kind) +
    ',"text":' +
    JSON.stringify(draft.text) +
    "}"
  );
}

function kindJson(kind: DeltaDraft["kind"]): string {
  return kind === "assistant" ? '"assistant"' : '"reasoning"';
}
