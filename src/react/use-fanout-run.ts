import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import type { FanoutClient } from "../client/client-types.js";
import { createClient } from "../client/create-client.js";
import type { MessageInput, RunRequest } from "../protocol/run-request.js";
import { RunFollower, type FollowUpOptions } from "./run-follower.js";
import { RunViewStore } from "./run-view-store.js";
import type { RunView } from "./run-view.js";

/**
 * A client to use (create it once, outside render: a new client object re-attaches the view),
 * or where the service is (the hook then makes its own client, once per baseUrl and token).
 */
export type UseFanoutRunOptions = { client: FanoutClient } | { baseUrl: string; token?: string };

/** What `useFanoutRun` returns: the live view of one run, and what you can do with it. */
export interface FanoutRunState extends RunView {
  /**
   * Starts a run (`POST /v1/runs`) and shows it; resolves with its id. Rejects with a
   * FanoutError when the service refuses it (422, 401, …), which `error` shows as well. The run
   * gets `on_disconnect: "continue"` unless `body.options` says otherwise, so an unmount does
   * not cancel it.
   */
  send(body: RunRequest): Promise<string>;
  /**
   * Follows up the run shown (`POST /v1/runs/{id}/follow-ups`: the same agents, in the same
   * conversations) and shows the new run; resolves with its id. The run it follows moves to the
   * end of `thread` and keeps streaming there if it has not ended. `options` layer over the
   * run's own (no `conversation`: a follow-up keeps the conversations); the new run gets
   * `on_disconnect: "continue"` unless they say otherwise. Rejects with a FanoutError when there
   * is no run to follow up (`no_run`) or the service refuses (`not_found`, 422, …); the view then
   * stays on the run it showed, with `error` set.
   */
  followUp(message: MessageInput, options?: FollowUpOptions): Promise<string>;
  /**
   * The runs the shown one follows up, oldest first, each as its own RunView (so a thread view
   * can show every earlier answer above the new one). Empty after `send`; after a remount or
   * `attach`, rebuilt from the runs this page has cached.
   */
  thread: readonly RunView[];
  /** Cancels the run, or only `agentIds`. */
  stop(agentIds?: string[]): Promise<void>;
  /** Shows another run by id (e.g. from a URL) and follows it to its end. */
  attach(runId: string): void;
}

/**
 * Follows one fan-out run in a React component: per-agent status, text, reasoning, tool calls
 * and metrics, folded with the protocol's `applyEvent` (so the text equals the service's
 * `GET /v1/runs/{id}`), re-rendering at most once per 16 ms however fast events come.
 *
 * Mounted with `initial.runId` (or remounted, e.g. by StrictMode or a route change), it
 * resumes the run: after the cached cursor when this page followed the run before, else from
 * the run's first event; either way no text is shown twice. Unmounting closes the stream but
 * leaves the run running; `stop()` cancels it. `followUp(message)` asks the same agents again
 * in the same conversations and shows the new run, with the earlier ones in `thread`.
 *
 * @example
 *   const run = useFanoutRun({ baseUrl: "http://127.0.0.1:8787" });
 *   <button onClick={() => void run.send({ message: "Hi!", panel: "duo" })}>Ask</button>
 *   <button onClick={() => void run.followUp("Now compare your answers.")}>Ask again</button>
 *   {Object.entries(run.agents).map(([id, agent]) => <pre key={id}>{agent.label}: {agent.text}</pre>)}
 */
export function useFanoutRun(options: UseFanoutRunOptions, initial: { runId?: string } = {}): FanoutRunState {
  const given = "client" in options ? options.client : undefined;
  const baseUrl = "client" in options ? undefined : options.baseUrl;
  const token = "client" in options ? undefined : options.token;
  const client = useMemo(
    () => given ?? createClient({ baseUrl: baseUrl ?? "", ...(token === undefined ? {} : { token }) }),
    [given, baseUrl, token],
  );
  const followerRef = useRef<RunFollower | null>(null);
  followerRef.current ??= new RunFollower(new RunViewStore(), client);
  const follower = followerRef.current;
  const view = useSyncExternalStore(follower.store.subscribe, follower.store.getView, follower.store.getView);
  const thread = useSyncExternalStore(
    follower.thread.subscribe,
    follower.thread.getViews,
    follower.thread.getViews,
  );

  const initialRunId = initial.runId;
  const lastInitialRunId = useRef(initialRunId);
  useEffect(() => {
    follower.setClient(client);
    // A new initial runId wins; otherwise (remount, new client) resume whatever was shown.
    const changed = lastInitialRunId.current !== initialRunId;
    lastInitialRunId.current = initialRunId;
    const runId = changed ? initialRunId : (follower.store.runId ?? initialRunId);
    if (runId !== undefined) follower.attach(runId);
    return () => follower.detach();
  }, [follower, client, initialRunId]);

  const send = useCallback((body: RunRequest) => follower.send(body), [follower]);
  const followUp = useCallback(
    (message: MessageInput, followUpOptions?: FollowUpOptions) => follower.followUp(message, followUpOptions),
    [follower],
  );
  const stop = useCallback((agentIds?: string[]) => follower.stop(agentIds), [follower]);
  const attach = useCallback((runId: string) => follower.attach(runId), [follower]);
  return { ...view, thread, send, followUp, stop, attach };
}
