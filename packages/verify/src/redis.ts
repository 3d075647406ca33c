import { configError } from "./errors.js";
import type { ReplayStore } from "./replay-store.js";

/** An ioredis client (uses `call`), or a node-redis v4+ client (uses `sendCommand`): whichever you have. */
export type RedisClientLike = IoRedisLike | NodeRedisLike;

/** An ioredis client (or cluster). */
export interface IoRedisLike {
  /** Runs one command. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** A node-redis (`redis`) client. */
export interface NodeRedisLike {
  /** Runs one command. */
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** Key prefix, so several receivers can share a Redis. @default "webhook:replay:" */
  prefix?: string | undefined;
  /** How long a committed key is remembered; overrides the verifier's (twice `toleranceSeconds` for ids, `hubReplayWindowSeconds` for digests). */
  ttlSeconds?: number | undefined;
  /**
   * When Redis cannot be reached: `false` (default) fails closed, the request is answered 503 and the
   * sender retries later; `true` fails open, the request is processed without the replay check.
   */
  failOpen?: boolean | undefined;
  /** A Redis command that takes longer counts as unreachable (an offline client queues forever). @default 1000 */
  timeoutMs?: number | undefined;
  /** Told of every Redis failure, open or closed. */
  onError?: ((error: unknown) => void) | undefined;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Redis did not answer within ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

function commandRunner(client: RedisClientLike): (args: string[]) => Promise<unknown> {
  if (typeof (client as { call?: unknown }).call === "function") {
    const ioredis = client as { call(command: string, ...args: string[]): Promise<unknown> };
    return ([command = "", ...args]) => ioredis.call(command, ...args);
  }
  if (typeof (client as { sendCommand?: unknown }).sendCommand === "function") {
    const nodeRedis = client as { sendCommand(args: string[]): Promise<unknown> };
    return (args) => nodeRedis.sendCommand(args);
  }
  throw configError("client", "must be an ioredis or node-redis client");
}

// One round trip, atomic: a commit anywhere wins, then a live claim, else every key is claimed.
// Claims hold "l:<token>" with the lease as their expiry, so a claim whose caller gave up (a timed-out
// call that landed later) still ends with its lease; a commit holds "c".
const CLAIM_SCRIPT = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == 'c' then return {'committed', 0} end
end
for _, key in ipairs(KEYS) do
  local held = redis.call('GET', key)
  if held then return {'in-progress', redis.call('TTL', key)} end
end
for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[2], 'EX', ARGV[1]) end
return {'claimed', 0}`;

// Only this delivery's own claims go; a commit (or another delivery's claim) stays.
const RELEASE_SCRIPT = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

/**
 * A replay store shared by every receiver instance: one Lua script per claim, so a batch re-sent to
 * another replica while the first is still processing it gets 503, and once committed, a duplicate.
 * The keys of one request must live on one node: on Redis Cluster, give `prefix` a hash tag (`{webhooks}:`).
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for a client that is neither ioredis nor node-redis, or bad options.
 */
export function createRedisReplayStore(client: RedisClientLike, options: RedisReplayStoreOptions = {}): ReplayStore {
  const run = commandRunner(client);
  const prefix = options.prefix ?? "webhook:replay:";
  const timeoutMs = options.timeoutMs ?? 1000;
  for (const [field, value] of [
    ["ttlSeconds", options.ttlSeconds],
    ["timeoutMs", timeoutMs],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0))
      throw configError(field, "must be a positive integer");
  }
  const failOpen = options.failOpen ?? false;
  const call = (args: string[]) => withTimeout(run(args), timeoutMs);
  return {
    async claim(keys, leaseSeconds) {
      const token = `l:${crypto.randomUUID()}`;
      try {
        const answer = await call([
          "EVAL",
          CLAIM_SCRIPT,
          String(keys.length),
          ...keys.map((key) => prefix + key),
          String(leaseSeconds),
          token,
        ]);
        const [state, ttl] = answer as [string, number | string];
        const seconds = Number(ttl);
        if (state === "committed") return { state: "committed" };
        if (state === "in-progress") return { state: "in-progress", retryAfterSeconds: Math.max(1, seconds) };
        return { state: "claimed", token };
      } catch (error) {
        options.onError?.(error);
        if (failOpen) return { state: "claimed", token };
        throw error;
      }
    },
    async commit(entries) {
      const ttl = (entry: { ttlSeconds: number }) => String(options.ttlSeconds ?? entry.ttlSeconds);
      await Promise.all(entries.map((entry) => call(["SET", prefix + entry.key, "c", "EX", ttl(entry)]))).catch(
        (error: unknown) => {
          options.onError?.(error);
        },
      );
    },
    async release(keys, token) {
      await call(["EVAL", RELEASE_SCRIPT, String(keys.length), ...keys.map((key) => prefix + key), token]).catch(
        (error: unknown) => {
          options.onError?.(error);
        },
      );
    },
  };
}
