import type { RecordedRun } from "./recorder.js";

/**
 * The pairs of runs of one agent and conversation whose processing overlapped (the later one
 * started before the earlier one ended), earlier first, ordered by the later one's start. `runs`
 * must be in start order (the recorder's are).
 */
export function overlappingRuns(runs: readonly RecordedRun[]): (readonly [RecordedRun, RecordedRun])[] {
  const byConversation = new Map<string, RecordedRun[]>();
  for (const run of runs) {
    const key = `${run.agentId} ${run.conversationId}`;
    const list = byConversation.get(key) ?? [];
    list.push(run);
    byConversation.set(key, list);
  }
  const pairs: (readonly [RecordedRun, RecordedRun])[] = [];
  // In start order, each run only needs the later ones that started before it ended.
  for (const list of byConversation.values()) {
    list.forEach((first, index) => {
      const end = first.endedAt ?? Number.POSITIVE_INFINITY;
      for (const second of list.slice(index + 1)) {
        if (second.startedAt >= end) break;
        pairs.push([first, second]);
      }
    });
  }
  return pairs.sort((a, b) => a[1].startedAt - b[1].startedAt);
}
