import express from "express";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookMiddleware } from "../src/express.js";
import { createRedisReplayStore, type RedisClientLike } from "../src/redis.js";
import { listen, type RunningServer } from "./helpers/http.js";
import { startRedisServer, type RedisServer } from "./helpers/redis-server.js";
import { post, secret, signedHeaders } from "./helpers/requests.js";
import { hasRedisServer, missingOutsideCi } from "../../../fixtures/system-tools.mjs";

let redis: RedisServer;
let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;
const apps: RunningServer[] = [];
const accepted: string[][] = [[], []];

/** An Express receiver instance recording which webhook-ids it processed. */
async function receiver(index: number, store: ReturnType<typeof createRedisReplayStore>): Promise<string> {
  const app = express();
  app.post("/webhook", webhookMiddleware({ secret, replayStore: store }), (req, res) => {
    accepted[index]?.push(req.webhook?.id ?? "");
    res.sendStatus(204);
  });
  const server = await listen(app);
  apps.push(server);
  return `${server.url}/webhook`;
}

const skip = missingOutsideCi("redis-server", hasRedisServer);

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  ioredis = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  ioredis.on("error", () => undefined); // the outage test stops Redis on purpose
  nodeRedis = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
  nodeRedis.on("error", () => undefined);
  await nodeRedis.connect();
});
afterAll(async () => {
  if (skip) return;
  await Promise.all(apps.map((app) => app.close()));
  ioredis.disconnect();
  nodeRedis.destroy();
  await redis.stop();
});

describe.skipIf(skip)("createRedisReplayStore with a real Redis", () => {
  it("refuses on one instance (node-redis) a batch already accepted by another (ioredis)", async () => {
    const first = await receiver(0, createRedisReplayStore(ioredis, { prefix: "t1:" }));
    const second = await receiver(1, createRedisReplayStore(nodeRedis, { prefix: "t1:" }));
    const headers = await signedHeaders("batch-shared");
    expect((await post(first, headers)).status).toBe(204);
    expect(await post(second, headers)).toMatchObject({ status: 409, json: { code: "ERR_REPLAYED" } });
    expect(accepted[0]).toEqual(["batch-shared"]);
    expect(accepted[1]).toEqual([]);
    expect(await ioredis.ttl("t1:batch-shared")).toBeGreaterThan(0);
  });

  it("forgets an id once its TTL expires", async () => {
    const store = createRedisReplayStore(ioredis, { prefix: "t2:", ttlSeconds: 1 });
    expect(await store.seen("x", 600)).toBe(false);
    expect(await store.seen("x", 600)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await store.seen("x", 600)).toBe(false);
  });

  it("answers 503 while Redis is down, then accepts the retry once, and only once", async () => {
    const errors: unknown[] = [];
    const url = await receiver(0, createRedisReplayStore(ioredis, { prefix: "t3:", timeoutMs: 300, onError: (error) => errors.push(error) }));
    accepted[0] = [];
    await redis.stop();
    const headers = await signedHeaders("batch-during-outage");
    expect(await post(url, headers)).toMatchObject({ status: 503, json: { code: "ERR_REPLAY_STORE_UNAVAILABLE" } });
    expect(errors.length).toBeGreaterThan(0);
    await redis.start();
    for (let tries = 0; ioredis.status !== "ready" && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    const retry = await signedHeaders("batch-during-outage");
    expect((await post(url, retry)).status).toBe(204);
    expect((await post(url, retry)).status).toBe(409);
    expect(accepted[0]).toEqual(["batch-during-outage"]);
  });

  it("fails open when asked, and still reports", async () => {
    const errors: unknown[] = [];
    const unreachable = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    const store = createRedisReplayStore(unreachable, { failOpen: true, timeoutMs: 200, onError: (error) => errors.push(error) });
    expect(await store.seen("y", 10)).toBe(false);
    expect(errors).toHaveLength(1);
    unreachable.disconnect();
  });

  it("refuses a client it does not know", () => {
    expect(() => createRedisReplayStore({} as RedisClientLike)).toThrow(/ioredis or node-redis/);
  });
});
