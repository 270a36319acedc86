/** How every upstream stream of a bench cell behaves. */
export interface EmitPlan {
  /** Assistant deltas per agent stream. */
  tokensPerAgent: number;
  /** Deltas per second per stream; 0 sends as fast as the socket takes them. */
  ratePerSecond: number;
  /** Length of each delta's text (the `content` of one Letta message), bytes. */
  payloadBytes: number;
  /** Hold each stream after its first ping until `release` (readers attach first). */
  hold: boolean;
}

/** What one upstream stream sent, for the readers' correctness check. */
export interface StreamDigest {
  agentId: string;
  tokens: number;
  chars: number;
  /** SHA-1 (hex) of the concatenated delta texts. */
  sha1: string;
  /** The client went away before the stream ended. */
  aborted: boolean;
}
