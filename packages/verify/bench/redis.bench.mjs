// replay-store.redis: replay checks per second through one Redis on loopback, 50 requests at a time
// (ioredis pipelines them automatically), against the in-memory store.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { record } from "../../../scripts/bench-kit.mjs";
import { createMemoryReplayStore } from "../dist/index.js";
import { createRedisReplayStore } from "../dist/redis.js";

const port = 20_000 + Math.floor(Math.random() * 20_000);
const server = spawn(
  "redis-server",
  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
  { stdio: "ignore" },
);
server.on("error", () => undefined);
const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
client.on("error", () => undefined);
try {
  for (let tries = 0; ; tries++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const checksPerSecond = async (store, total = 50_000, concurrency = 50) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await store.seen(`id-${next++}`, 600);
      }),
    );
    return total / ((performance.now() - started) / 1000);
  };
  await checksPerSecond(createRedisReplayStore(client, { prefix: "warm:" }), 5000);
  const redisRate = await checksPerSecond(createRedisReplayStore(client, { prefix: "bench:" }));
  const memoryRate = await checksPerSecond(createMemoryReplayStore({ maxEntries: 100_000 }));
  record({
    name: "replay-store.redis",
    unit: "checks/s",
    median: redisRate,
    baseline: memoryRate,
    details: { concurrency: 50 },
  });
} catch (error) {
  console.log(`replay-store.redis skipped: redis-server is not available (${error.message})`);
} finally {
  client.disconnect();
  server.kill("SIGTERM");
  if (server.exitCode === null && server.pid !== undefined) await once(server, "exit").catch(() => undefined);
}
