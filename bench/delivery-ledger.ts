import { createHash, type Hash } from "node:crypto";
import { parseDeltaTokens } from "./delta-text.js";
import type { LatencySamples } from "./latency-samples.js";

/** Correctness counters of one reader (or a sum over readers); all must be zero. */
export interface DeliveryCounts {
  /** Tokens an agent sent that the reader never got. */
  missing: number;
  duplicated: number;
  /** Tokens that arrived after a later token of the same agent. */
  outOfOrder: number;
  /** Delta texts that were not whole tokens, or whose filler changed on the way. */
  corrupt: number;
  /** Agents whose reassembled text differs from what the upstream sent (by SHA-1). */
  textMismatches: number;
}

/** Zero counts, to sum into. */
export function emptyCounts(): DeliveryCounts {
  return { missing: 0, duplicated: 0, outOfOrder: 0, corrupt: 0, textMismatches: 0 };
}

/** Adds `more` into `into`. */
export function addCounts(into: DeliveryCounts, more: DeliveryCounts): void {
  into.missing += more.missing;
  into.duplicated += more.duplicated;
  into.outOfOrder += more.outOfOrder;
  into.corrupt += more.corrupt;
  into.textMismatches += more.textMismatches;
}

interface AgentTrack {
  seen: Uint8Array;
  unique: number;
  highest: number;
  hash: Hash;
}

/**
 * What one reader received, per agent: which tokens arrived (to count loss, duplicates and
 * reordering), the latency of each, and a running SHA-1 of the reassembled text to compare with
 * the upstream's own digest of what it sent.
 */
export class DeliveryLedger {
  private readonly agents = new Map<string, AgentTrack>();
  private corrupt = 0;
  private duplicated = 0;
  private outOfOrder = 0;

  constructor(
    private readonly tokensPerAgent: number,
    private readonly latencies: LatencySamples,
  ) {}

  /** Records one delta's text for an agent, received at `receivedAt` (host clock, ms). */
  record(agentId: string, text: string, receivedAt: number): void {
    const track = this.track(agentId);
    track.hash.update(text);
    const tokens = parseDeltaTokens(text);
    if (!tokens) {
      this.corrupt++;
      return;
    }
    for (const token of tokens) {
      this.latencies.add(receivedAt - token.sentAt);
      if (!token.intact || token.n < 0 || token.n >= this.tokensPerAgent) {
        this.corrupt++;
        continue;
      }
      if (track.seen[token.n] === 1) {
        this.duplicated++;
        continue;
      }
      track.seen[token.n] = 1;
      track.unique++;
      if (token.n < track.highest) this.outOfOrder++;
      else track.highest = token.n;
    }
  }

  /**
   * The counters against what the upstream says it sent: `sent` maps each agent id to the SHA-1
   * of its text and its token count.
   */
  counts(sent: ReadonlyMap<string, { sha1: string; tokens: number }>): DeliveryCounts {
    const counts = emptyCounts();
    counts.corrupt = this.corrupt;
    counts.duplicated = this.duplicated;
    counts.outOfOrder = this.outOfOrder;
    for (const [agentId, upstream] of sent) {
      const track = this.agents.get(agentId);
      counts.missing += upstream.tokens - (track?.unique ?? 0);
      const sha1 = track ? track.hash.digest("hex") : createHash("sha1").digest("hex");
      if (sha1 !== upstream.sha1) counts.textMismatches++;
    }
    return counts;
  }

  private track(agentId: string): AgentTrack {
    let track = this.agents.get(agentId);
    if (!track) {
      track = {
        seen: new Uint8Array(this.tokensPerAgent),
        unique: 0,
        highest: -1,
        hash: createHash("sha1"),
      };
      this.agents.set(agentId, track);
    }
    return track;
  }
}
