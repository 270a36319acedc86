const MESSAGES_KEY = "letta-fanout:messages";
/** Messages kept; the oldest are forgotten first. */
const MAX_MESSAGES = 200;

/**
 * The messages this browser asked, by run id. The service does not return a run's message
 * (neither `run.started` nor `GET /v1/runs/{id}` carries it), so a thread shows the questions
 * asked from this browser and says so for the others. Kept in localStorage so a reload or a
 * link opened in another tab still shows them.
 *
 * @param {string} runId
 * @param {string} message
 */
export function rememberMessage(runId, message) {
  const kept = readAll().filter(([id]) => id !== runId);
  kept.push([runId, message]);
  try {
    localStorage.setItem(MESSAGES_KEY, JSON.stringify(kept.slice(-MAX_MESSAGES)));
  } catch {
    // Without storage (private mode, full) the message is simply not shown after a reload.
  }
}

/**
 * @param {string} runId
 * @returns {string | undefined}
 */
export function recallMessage(runId) {
  return readAll().find(([id]) => id === runId)?.[1];
}

/**
 * `[runId, message]` pairs, oldest first.
 * @returns {[string, string][]}
 */
function readAll() {
  try {
    const parsed = JSON.parse(localStorage.getItem(MESSAGES_KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (entry) => Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "string",
    );
  } catch {
    return [];
  }
}
