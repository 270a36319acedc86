interface Mapping {
  readonly runId: string;
  readonly expiresAt: number;
}

/**
 * Letta's `otid:run:{otid}` keys in Redis (`set_otid_run_mapping`, `get_run_id_by_otid`): a new
 * run maps its request token and each of its message otids to its id, for 3 hours, so that a
 * resend of the same request can be attached to the run (duplicate-request recovery) and a
 * client can find a run by any otid (`POST /v1/conversations/{id}/stream` with `otid`).
 */
export class OtidRuns {
  // Every entry gets the same TTL, so insertion order is expiry order: expired entries are
  // dropped from the front as new ones come, and the map stays as small as the TTL allows.
  private readonly mappings = new Map<string, Mapping>();

  constructor(private readonly ttlMs: number) {}

  /** Maps each key (request token, otids) to the run; a key mapped before points to it now. */
  set(keys: readonly string[], runId: string): void {
    const now = Date.now();
    for (const [key, mapping] of this.mappings) {
      if (mapping.expiresAt > now) break;
      this.mappings.delete(key);
    }
    for (const key of keys) {
      this.mappings.delete(key);
      this.mappings.set(key, { runId, expiresAt: now + this.ttlMs });
    }
  }

  /** The run a key maps to, or null. */
  get(key: string): string | null {
    const mapping = this.mappings.get(key);
    return mapping !== undefined && mapping.expiresAt > Date.now() ? mapping.runId : null;
  }
}
