/**
 * How far an agent got upstream, as another instance needs it to continue the agent after this
 * one stopped (API.md §6 failover): whether Letta accepted the message (then it is never sent
 * again), the Letta run to resume and the last `seq_id` whose events are all in the run log.
 */
export interface AgentProgress {
  attempt: number;
  accepted: boolean;
  background: boolean;
  letta_run_id?: string;
  last_seq_id?: number;
}
