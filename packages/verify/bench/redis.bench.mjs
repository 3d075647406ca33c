// replay-store.redis: replay checks (claim, then commit) per second through one Redis on loopback,
// 50 requests at a time (ioredis pipelines them automatically), against the in-memory store.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { freePort } from "@org/test-fixtures/free-port";
import { record, scaled } from "../../../scripts/bench-kit.mjs";
import { createMemoryReplayStore } from "../dist/index.js";
import { createRedisReplayStore } from "../dist/redis.js";

const port = await freePort();
const server = spawn(
  "redis-server",
  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
  { stdio: "ignore" },
);
server.on("error", (error) => {
  console.error(`redis-server could not start (apt-get install redis-server): ${error.message}`);
  process.exit(1);
});
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
  const checksPerSecond = async (store, total = scaled(50_000, 100), concurrency = 50) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        // What each verified request does: claim its keys, then commit them once handled.
        while (next < total) {
          const key = `id:${next++}`;
          const claim = await store.claim([key], 60);
          if (claim.state !== "claimed") throw new Error(`${key} was not claimed: ${claim.state}`);
          await store.commit([{ key, ttlSeconds: 600 }]);
        }
      }),
    );
    return total / ((performance.now() - started) / 1000);
  };
  await checksPerSecond(createRedisReplayStore(client, { prefix: "warm:" }), scaled(5000, 10));
  const redisRate = await checksPerSecond(createRedisReplayStore(client, { prefix: "bench:" }));
  const memoryRate = await checksPerSecond(createMemoryReplayStore({ maxEntries: 100_000 }));
  record({
    name: "replay-store.redis",
    unit: "checks/s",
    median: redisRate,
    baseline: memoryRate,
    details: { concurrency: 50 },
  });
} finally {
  client.disconnect();
  server.kill("SIGTERM");
  if (server.exitCode === null && server.pid !== undefined) await once(server, "exit").catch(() => undefined);
}
