#!/usr/bin/env node
// The receiver as a process. WEBHOOK_SECRET (required); HOST (127.0.0.1); PORT (3000; 0 picks one);
// DATABASE_URL (a Postgres server; without it, PGlite in this process); DATA_DIR (PGlite's directory;
// without it, in memory); REDIS_URL (optional: a replay store shared by the replicas).
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { createRedisReplayStore } from "@org/webhook-verify/redis";
import { createReceiverApp } from "./app.js";
import { createPostgresStore } from "./postgres-store.js";
import { openPglite, openPostgres } from "./sql-client.js";

const env = (name: string) => (process.env[name] === "" ? undefined : process.env[name]);
const secret = env("WEBHOOK_SECRET");
if (secret === undefined) throw new Error("WEBHOOK_SECRET is required");
const host = env("HOST") ?? "127.0.0.1";
const port = Number(env("PORT") ?? 3000);
const databaseUrl = env("DATABASE_URL");
const redisUrl = env("REDIS_URL");

const store = await createPostgresStore(
  databaseUrl === undefined ? await openPglite(env("DATA_DIR")) : openPostgres(databaseUrl),
);
const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
const app = createReceiverApp({
  secret,
  store,
  replayStore: redis === undefined ? undefined : createRedisReplayStore(redis),
  onFailure: (error) => {
    process.stderr.write(`could not store a batch (answered 500, the sender will retry): ${String(error)}\n`);
  },
});
const server = app.listen(port, host, () => {
  const address = server.address() as AddressInfo;
  const where = store.kind === "pglite" ? `PGlite (${env("DATA_DIR") ?? "in memory"})` : "Postgres";
  process.stdout.write(`listening on http://${host}:${String(address.port)} (storing in ${where})\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => void store.close());
    server.closeAllConnections();
    redis?.disconnect();
  });
}
