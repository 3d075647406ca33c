import { configError } from "./errors.js";
import type { ReplayStore } from "./replay-store.js";

/** An ioredis client (uses `call`), or a node-redis v4+ client (uses `sendCommand`): whichever you have. */
export type RedisClientLike =
  | { call(command: string, ...args: (string | number)[]): Promise<unknown> }
  | { sendCommand(args: string[]): Promise<unknown> };

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** Key prefix, so several receivers can share a Redis. @default "webhook:replay:" */
  prefix?: string | undefined;
  /** How long an id is remembered; overrides the verifier's (twice `toleranceSeconds`). */
  ttlSeconds?: number | undefined;
  /**
   * When Redis cannot be reached: `false` (default) fails closed, the request is answered 503 and the
   * sender retries later; `true` fails open, the request is accepted without the replay check.
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

/**
 * A replay store shared by every receiver instance: one atomic `SET key 1 NX EX ttl` per check, so a
 * batch re-sent to another replica is refused as replayed.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for a client that is neither ioredis nor node-redis, or bad options.
 */
export function createRedisReplayStore(client: RedisClientLike, options: RedisReplayStoreOptions = {}): ReplayStore {
  const run = commandRunner(client);
  const prefix = options.prefix ?? "webhook:replay:";
  const timeoutMs = options.timeoutMs ?? 1000;
  for (const [field, value] of [["ttlSeconds", options.ttlSeconds], ["timeoutMs", timeoutMs]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw configError(field, "must be a positive integer");
  }
  const failOpen = options.failOpen ?? false;
  return {
    async seen(id, ttlSeconds) {
      try {
        const answer = await withTimeout(run(["SET", prefix + id, "1", "EX", String(options.ttlSeconds ?? ttlSeconds), "NX"]), timeoutMs);
        // "OK" when the key was set (first time); null when it already existed.
        return answer === null;
      } catch (error) {
        options.onError?.(error);
        if (failOpen) return false;
        throw error;
      }
    },
    async forget(id) {
      await withTimeout(run(["DEL", prefix + id]), timeoutMs).catch((error: unknown) => options.onError?.(error));
    },
  };
}
