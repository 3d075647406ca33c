import { configError } from "./errors.js";
import { warn } from "./warnings.js";

/** What a replay store answers to a claim. */
export type ReplayClaim =
  /**
   * Every key is now claimed by this delivery, until the lease ends or it is committed or released;
   * `token` names this claim, so that releasing it never removes another delivery's.
   */
  | {
      /** The keys are now this delivery's. */
      readonly state: "claimed";
      /** Names this claim, for `release`. */
      readonly token: string;
    }
  /** Another delivery of this request holds a live claim: answer 503 and let the sender retry. */
  | {
      /** Another delivery holds a live claim. */
      readonly state: "in-progress";
      /** When its lease ends, in seconds: the `Retry-After` to answer. */
      readonly retryAfterSeconds: number;
    }
  /** A key is committed: this request was already processed (a duplicate, answered 2xx). */
  | {
      /** A key is committed. */
      readonly state: "committed";
    };

/** A key to commit, and how long to remember it. */
export interface ReplayCommit {
  /** The identity (`sha256:<digest>` or `id:<webhook-id>`). */
  readonly key: string;
  /** How long it is remembered as processed. */
  readonly ttlSeconds: number;
}

/**
 * Remembers which requests were processed, in two steps as idempotency keys do: a request's keys (its
 * body's digest, and its signed `webhook-id`) are **claimed** for a short lease before the handler
 * runs, **committed** once it succeeded, **released** when it failed. Only a committed key means
 * "already here", so a receiver that crashes mid-handler loses nothing: the sender's retry finds the
 * claim expired, or released, and is processed.
 */
export interface ReplayStore {
  /**
   * Atomically: `committed` when any key is committed; else `in-progress` when any holds a live claim;
   * else claims every key for `leaseSeconds`. Rejects when the store cannot answer (the request is then
   * refused with 503, so the sender retries).
   */
  claim(keys: readonly string[], leaseSeconds: number): Promise<ReplayClaim>;
  /** Marks the keys as processed, each for its `ttlSeconds`. */
  commit(entries: readonly ReplayCommit[]): Promise<void>;
  /** Drops the claims made under `token` (never a commit), so the sender's retry is processed. */
  release(keys: readonly string[], token: string): Promise<void>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * The most keys kept, claimed or committed. Only expired keys are ever evicted: when every key is live,
   * a new request is refused (503) rather than a live key forgotten. About 200 bytes per key.
   * @default 200000
   */
  maxEntries?: number | undefined;
  /**
   * When every key is live and a new request comes: `"refuse"` answers it 503 (no replay window ever
   * reopens, but a receiver over its capacity stops taking requests); `"forget-oldest"` forgets the
   * oldest processed keys to make room (never a claim in progress), warning once, so that the receiver
   * stays available and only its oldest requests could be replayed. The verifier's own default store
   * forgets; a store you create refuses unless told.
   * @default "refuse"
   */
  whenFull?: "refuse" | "forget-oldest" | undefined;
  /** The clock, in milliseconds (for tests). @default Date.now */
  now?: (() => number) | undefined;
}

function warnFull(maxEntries: number): void {
  warn(
    `the memory replay store is full (${maxEntries} live keys): it forgets the oldest processed requests early, so they could be replayed. Raise maxEntries, or share a Redis store (@org/webhook-verify/redis)`,
    "WEBHOOK_VERIFY_REPLAY_STORE_FULL",
  );
}

/** The store is full of live keys: refused rather than forgetting one (which would reopen a replay window). */
export class ReplayStoreFullError extends Error {
  override readonly name = "ReplayStoreFullError";
}

interface Entry {
  /** The claim's token, or `undefined` once committed. */
  token: string | undefined;
  expiresAt: number;
}

/**
 * An in-memory replay store for one process. Several receiver instances need a shared store (see
 * `@org/webhook-verify/redis`).
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` when `maxEntries` is not a positive integer.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 200_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw configError("maxEntries", `must be a positive integer, got ${String(maxEntries)}`);
  }
  const whenFull = options.whenFull ?? "refuse";
  if ((whenFull as unknown) !== "refuse" && (whenFull as unknown) !== "forget-oldest")
    throw configError("whenFull", `must be "refuse" or "forget-oldest", got ${whenFull}`);
  const now = options.now ?? Date.now;
  let forgetting = false;
  const entries = new Map<string, Entry>();
  // A sweep finds nothing to evict before this time: a store full of live keys is not swept per request.
  let nextExpiry = 0;
  let claims = 0;

  function live(key: string, time: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > time) return entry;
    entries.delete(key);
    return undefined;
  }

  function makeRoom(needed: number, time: number): void {
    if (entries.size + needed <= maxEntries) return;
    if (time >= nextExpiry) {
      nextExpiry = Infinity;
      for (const [key, entry] of entries) {
        if (entry.expiresAt <= time) entries.delete(key);
        else nextExpiry = Math.min(nextExpiry, entry.expiresAt);
      }
    }
    if (whenFull === "forget-oldest") forgetOldest(needed);
  }

  /** Drops processed keys in the order they were first stored until `needed` fit; claims are kept. */
  function forgetOldest(needed: number): void {
    for (const [key, entry] of entries) {
      if (entries.size + needed <= maxEntries) return;
      if (entry.token !== undefined) continue;
      entries.delete(key);
      if (!forgetting) {
        forgetting = true;
        warnFull(maxEntries);
      }
    }
  }

  return {
    claim(keys, leaseSeconds) {
      const time = now();
      const found = keys.map((key) => live(key, time));
      if (found.some((entry) => entry !== undefined && entry.token === undefined))
        return Promise.resolve({ state: "committed" });
      const claimed = found.find((entry) => entry !== undefined);
      if (claimed !== undefined)
        return Promise.resolve({
          state: "in-progress",
          retryAfterSeconds: Math.max(1, Math.ceil((claimed.expiresAt - time) / 1000)),
        });
      makeRoom(keys.length, time);
      if (entries.size + keys.length > maxEntries) {
        return Promise.reject(
          new ReplayStoreFullError(`the memory replay store holds ${maxEntries} live keys (maxEntries)`),
        );
      }
      const token = String(++claims);
      for (const key of keys) entries.set(key, { token, expiresAt: time + leaseSeconds * 1000 });
      return Promise.resolve({ state: "claimed", token });
    },
    commit(committed) {
      const time = now();
      for (const { key, ttlSeconds } of committed)
        entries.set(key, { token: undefined, expiresAt: time + ttlSeconds * 1000 });
      return Promise.resolve();
    },
    release(keys, token) {
      for (const key of keys) if (entries.get(key)?.token === token) entries.delete(key);
      return Promise.resolve();
    },
  };
}
