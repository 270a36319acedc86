import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import type { FanoutClient } from "../client/client-types.js";
import { createClient } from "../client/create-client.js";
import type { RunRequest } from "../protocol/run-request.js";
import { RunFollower } from "./run-follower.js";
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
 * leaves the run running; `stop()` cancels it.
 *
 * @example
 *   const run = useFanoutRun({ baseUrl: "http://127.0.0.1:8787" });
 *   <button onClick={() => void run.send({ message: "Hi!", panel: "duo" })}>Ask</button>
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
  const stop = useCallback((agentIds?: string[]) => follower.stop(agentIds), [follower]);
  const attach = useCallback((runId: string) => follower.attach(runId), [follower]);
  return { ...view, send, stop, attach };
}
