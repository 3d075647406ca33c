import express from "express";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookMiddleware } from "../src/express.js";
import { createRedisReplayStore, type RedisClientLike } from "../src/redis.js";
import { listen, type RunningServer } from "@org/test-fixtures/receiver";
import { startRedisServer, type RedisServer } from "./helpers/redis-server.js";
import { post, secret, signedHeaders } from "./helpers/requests.js";
import { hasRedisServer, missingOutsideCi } from "@org/test-fixtures/system-tools";

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

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await condition()); tries++) {
    if (tries > 100) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

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
  it("acknowledges on one instance (node-redis) a batch already processed by another (ioredis) as a duplicate", async () => {
    const first = await receiver(0, createRedisReplayStore(ioredis, { prefix: "t1:" }));
    const second = await receiver(1, createRedisReplayStore(nodeRedis, { prefix: "t1:" }));
    const headers = await signedHeaders("batch-shared");
    expect((await post(first, headers)).status).toBe(204);
    await waitFor(async () => (await ioredis.get("t1:id:batch-shared")) === "c");
    expect(await post(second, headers)).toEqual({ status: 200, json: { duplicate: true } });
    // Stripped of its Standard Webhooks headers, it is still known, by its digest.
    expect(
      await post(second, {
        "content-type": "application/json",
        "x-hub-signature-256": headers["x-hub-signature-256"] ?? "",
      }),
    ).toEqual({
      status: 200,
      json: { duplicate: true },
    });
    expect(accepted[0]).toEqual(["batch-shared"]);
    expect(accepted[1]).toEqual([]);
    expect(await ioredis.ttl("t1:id:batch-shared")).toBeGreaterThan(0);
  });

  it("claims with a lease, commits, and releases only its own claim", async () => {
    const store = createRedisReplayStore(ioredis, { prefix: "t2:" });
    const claim = await store.claim(["x", "y"], 1);
    expect(claim.state).toBe("claimed");
    expect(await store.claim(["y"], 1)).toMatchObject({ state: "in-progress", retryAfterSeconds: 1 });
    await store.release(["x", "y"], "not-mine");
    expect(await store.claim(["x"], 1)).toMatchObject({ state: "in-progress" });
    if (claim.state !== "claimed") throw new Error("not claimed");
    await store.release(["x", "y"], claim.token);
    const retry = await store.claim(["x", "y"], 600);
    expect(retry.state).toBe("claimed");
    await store.commit([
      { key: "x", ttlSeconds: 600 },
      { key: "y", ttlSeconds: 600 },
    ]);
    expect(await store.claim(["y", "z"], 1)).toEqual({ state: "committed" });
    // A claim whose caller gave up ends with its lease: it never outlives it.
    await store.claim(["lease"], 1);
    expect(await ioredis.ttl("t2:lease")).toBeLessThanOrEqual(1);
  });

  it("answers 503 while Redis is down, then accepts the retry once, and only once", async () => {
    const errors: unknown[] = [];
    const url = await receiver(
      0,
      createRedisReplayStore(ioredis, { prefix: "t3:", timeoutMs: 300, onError: (error) => errors.push(error) }),
    );
    accepted[0] = [];
    await redis.stop();
    const headers = await signedHeaders("batch-during-outage");
    expect(await post(url, headers)).toMatchObject({ status: 503, json: { code: "ERR_REPLAY_STORE_UNAVAILABLE" } });
    expect(errors.length).toBeGreaterThan(0);
    await redis.start();
    for (let tries = 0; ioredis.status !== "ready" && tries < 50; tries++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const retry = await signedHeaders("batch-during-outage");
    expect((await post(url, retry)).status).toBe(204);
    expect((await post(url, retry)).status).toBe(200);
    expect(accepted[0]).toEqual(["batch-during-outage"]);
  });

  it("fails open when asked, and still reports", async () => {
    const errors: unknown[] = [];
    const unreachable = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    unreachable.on("error", () => undefined);
    const store = createRedisReplayStore(unreachable, {
      failOpen: true,
      timeoutMs: 200,
      onError: (error) => errors.push(error),
    });
    expect(await store.claim(["y"], 10)).toMatchObject({ state: "claimed" });
    expect(errors).toHaveLength(1);
    unreachable.disconnect();
  });

  it("refuses a client it does not know", () => {
    expect(() => createRedisReplayStore({} as RedisClientLike)).toThrow(/ioredis or node-redis/);
  });
});
