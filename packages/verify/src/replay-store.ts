import { configError } from "./errors.js";

/**
 * Remembers which `webhook-id`s were accepted, so that a captured request cannot be played again and a
 * re-sent batch is not processed twice. Implementations must check and record atomically.
 */
export interface ReplayStore {
  /** Records `id` for `ttlSeconds`; resolves `true` when it was already recorded (a replay). */
  seen(id: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Forgets `id`. The adapters call it when the handler fails after the id was recorded, so that the
   * sender's retry of the same batch is accepted instead of refused as a replay (nothing is lost).
   */
  forget?(id: string): Promise<void>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** The most ids kept; past it, the least recently recorded is forgotten. @default 10000 */
  maxEntries?: number | undefined;
  /** The clock, in milliseconds (for tests). @default Date.now */
  now?: (() => number) | undefined;
}

/**
 * An in-memory LRU replay store for one process. Ids expire after their TTL; when full, the oldest is
 * forgotten first. Several receiver instances need a shared store (see `@org/webhook-verify/redis`).
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` when `maxEntries` is not a positive integer.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw configError("maxEntries", `must be a positive integer, got ${String(maxEntries)}`);
  }
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on record keeps the oldest first.
  const expiries = new Map<string, number>();
  return {
    seen(id, ttlSeconds) {
      const time = now();
      const expiry = expiries.get(id);
      if (expiry !== undefined && expiry > time) return Promise.resolve(true);
      expiries.delete(id);
      if (expiries.size >= maxEntries) {
        const oldest = expiries.keys().next();
        if (oldest.done !== true) expiries.delete(oldest.value);
      }
      expiries.set(id, time + ttlSeconds * 1000);
      return Promise.resolve(false);
    },
    forget(id) {
      expiries.delete(id);
      return Promise.resolve();
    },
  };
}
