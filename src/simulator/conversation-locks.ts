/** Letta's conversation lock lifetime (`CONVERSATION_LOCK_TTL_SECONDS`, 5 minutes). */
export const CONVERSATION_LOCK_TTL_MS = 300_000;

interface Lock {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * The per-conversation locks Letta keeps in Redis (`redis_client.acquire_conversation_lock`, key
 * `conversation:lock:{id}`): non-blocking, holding the request token, expiring after a TTL even
 * if the holder never releases it. A release deletes the key whoever holds it, like Letta's
 * `release_conversation_lock`.
 */
export class ConversationLocks {
  private readonly locks = new Map<string, Lock>();

  constructor(private readonly ttlMs: number = CONVERSATION_LOCK_TTL_MS) {}

  /** Takes the lock for `key`; returns null when taken, else the holder's token. */
  acquire(key: string, token: string): string | null {
    const holder = this.holder(key);
    if (holder !== null) return holder;
    this.locks.set(key, { token, expiresAt: Date.now() + this.ttlMs });
    return null;
  }

  /** The token holding `key`, or null when it is free (or its lock expired). */
  holder(key: string): string | null {
    const lock = this.locks.get(key);
    if (lock === undefined) return null;
    if (lock.expiresAt > Date.now()) return lock.token;
    this.locks.delete(key);
    return null;
  }

  /** Deletes the lock of `key`, whoever holds it. */
  release(key: string): void {
    this.locks.delete(key);
  }
}
