#!/usr/bin/env node
// The receiver as a process: WEBHOOK_SECRET (required), HOST (127.0.0.1), PORT (3000; 0 picks one),
// REDIS_URL (optional: share the replay store between replicas).
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { createRedisReplayStore } from "@org/webhook-verify/redis";
import { createReceiverApp } from "./app.js";

const secret = process.env.WEBHOOK_SECRET;
if (secret === undefined || secret === "") throw new Error("WEBHOOK_SECRET is required");
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);

const redis =
  process.env.REDIS_URL === undefined || process.env.REDIS_URL === "" ? undefined : new Redis(process.env.REDIS_URL);
const app = createReceiverApp({
  secret,
  ...(redis === undefined ? {} : { replayStore: createRedisReplayStore(redis) }),
});
const server = app.listen(port, host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`listening on http://${host}:${String(address.port)}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    redis?.disconnect();
  });
}
