import type { EventStore } from "../store/event-store.js";
import { eventJsonBytes } from "./event-json-bytes.js";
import type { WsSocket } from "./ws-socket.js";

/** Events per read: the same batch size as the SSE readers (`streamLog`). */
const BATCH = 256;

/**
 * One WebSocket subscription: copies a run's log from `after` on to the socket, then follows
 * it live until `run.completed` or until `signal` aborts (unsubscribe, socket closed). Like the
 * SSE readers it holds no queue of its own: it reads the next batch only once the socket has
 * taken the last one, so several runs on one socket each go at their own pace and a slow
 * socket never slows a run. Throws `CursorExpired` when retention overtakes it.
 */
export async function streamRunToWs(
  socket: WsSocket,
  store: EventStore,
  runId: string,
  after: number,
  signal: AbortSignal,
): Promise<void> {
  const stopped = () => signal.aborted || socket.closed;
  let cursor = after;
  for (;;) {
    const { events, ended } = await store.readRun(runId, cursor, BATCH);
    if (stopped()) return;
    const last = events.at(-1);
    if (last) {
      cursor = last.seq;
      await socket.sendEvents(events.map(eventJsonBytes), signal);
      if (stopped()) return;
    }
    if (ended) return;
    if (events.length < BATCH) {
      await store.waitRun(runId, cursor, signal);
      if (stopped()) return;
    }
  }
}
