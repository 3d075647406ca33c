import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebhookExporter } from "@org/webhook-exporter";
import { freePort } from "@org/test-fixtures/free-port";
import { hasPostgres, startPostgres, type PostgresServer } from "@org/test-fixtures/postgres-server";
import { missingOutsideCi } from "@org/test-fixtures/system-tools";
import { replica, type Replica } from "./helpers/replica.js";
import { startRoundRobinProxy, type RoundRobinProxy } from "@org/test-fixtures/round-robin-proxy";

const secret = "replicas-secret";
const EVENTS = 24_000;
const CHUNK = 400;

describe.skipIf(missingOutsideCi("postgresql", hasPostgres))("three receiver replicas on one Postgres", () => {
  let database: PostgresServer | undefined;
  let replicas: Replica[] = [];
  let proxy: RoundRobinProxy | undefined;
  let spoolDir: string | undefined;

  beforeAll(async () => {
    const { url } = (database = await startPostgres());
    const ports = [await freePort(), await freePort(), await freePort()];
    replicas = ports.map((port) => replica(port, { WEBHOOK_SECRET: secret, DATABASE_URL: url }));
    // Started together: the schema is applied by all three at once, as a deployment does.
    await Promise.all(replicas.map((each) => each.start()));
    proxy = await startRoundRobinProxy(ports, 5);
    spoolDir = mkdtempSync(join(tmpdir(), "replicas-spool-"));
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(replicas.map((each) => each.stop()));
    await database?.stop();
    if (spoolDir !== undefined) rmSync(spoolDir, { recursive: true, force: true });
  }, 60_000);

  it("stores every event exactly once through dropped answers and a replica killed mid-stream, and acknowledges every re-send of a stored batch as a duplicate", async () => {
    // Replica 1 is killed (SIGKILL) as a request is forwarded to it, and started again a while later.
    let killedAt: number | undefined;
    let restarted: Promise<void> | undefined;
    if (database === undefined || proxy === undefined || spoolDir === undefined) throw new Error("not set up");
    const { url } = database;
    const { log } = proxy;
    proxy.onForward = (upstream, seen) => {
      if (killedAt === undefined && upstream === 1 && seen > 10) {
        killedAt = seen;
        void replicas[1]?.kill();
      } else if (killedAt !== undefined && restarted === undefined && seen > killedAt + 15) {
        restarted = replicas[1]?.kill().then(() => replicas[1]?.start());
      }
    };
    const exporter = createWebhookExporter({
      endpointUrl: `${proxy.url}/webhook`,
      secret,
      flushInterval: 50,
      maxEventInMemory: 500,
      retryBaseDelayMs: 10,
      timeout: 5000,
      spool: { dir: spoolDir },
    });
    for (let from = 0; from < EVENTS; from += CHUNK) {
      for (let index = from; index < from + CHUNK; index++) {
        exporter.add({
          kind: "feature",
          contextKind: "user",
          userKey: `user-${String(index)}`,
          creationDate: 1_700_000_000 + index,
          key: `flag-${String(index % 7)}`,
          variation: index % 3 === 0 ? "off" : "on",
          value: index % 3 !== 0,
          default: false,
          version: "1",
          source: "SERVER",
        });
      }
      await exporter.flush();
    }
    await vi.waitFor(
      () => {
        expect(exporter.stats().pending).toBe(0);
      },
      { timeout: 60_000, interval: 50 },
    );
    await restarted;
    const stats = exporter.stats();
    expect(stats).toMatchObject({ added: EVENTS, sent: EVENTS, dropped: 0, pending: 0 });

    await exporter.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const [rows] = (
        await client.query<{ events: string; distinct_users: string; batches: string; duplicates: string }>(`
            SELECT (SELECT count(*) FROM feature_events) AS events,
                   (SELECT count(DISTINCT user_key) FROM feature_events) AS distinct_users,
                   (SELECT count(*) FROM webhook_batches) AS batches,
                   (SELECT count(*) FROM webhook_duplicates) AS duplicates`)
      ).rows;
      // Every event added is in the database, exactly once.
      expect(Number(rows?.events)).toBe(EVENTS);
      expect(Number(rows?.distinct_users)).toBe(EVENTS);

      // The faults happened: answers were dropped, a replica was killed mid-stream and came back.
      expect(killedAt).toBeDefined();
      expect(log.filter((request) => request.outcome === "dropped").length).toBeGreaterThan(3);
      expect(log.filter((request) => request.outcome === "unreachable").length).toBeGreaterThan(0);
      // ... and the killed replica answered again once restarted.
      expect(log.findLastIndex((request) => request.upstream === 1 && request.status === 200)).toBeGreaterThan(
        log.findIndex((request) => request.upstream === 1 && request.outcome === "unreachable"),
      );

      // A re-send of a batch already stored (its first answer dropped, or lost with the killed replica)
      // is acknowledged as a duplicate, on whichever replica it lands; and every duplicate is such a
      // re-send. (A re-send that found its replica dead never reached a receiver: it is not counted.)
      const storedIds = new Set<string>();
      let resendsOfStored = 0;
      for (const request of log) {
        if (request.outcome === "unreachable") continue;
        if (storedIds.has(request.webhookId)) resendsOfStored += 1;
        if (request.status === 200 && !request.duplicate) storedIds.add(request.webhookId);
      }
      expect(Number(rows?.batches)).toBe(storedIds.size);
      expect(resendsOfStored).toBeGreaterThan(3);
      expect(Number(rows?.duplicates)).toBe(resendsOfStored);
      expect(log.filter((request) => request.duplicate).length).toBe(resendsOfStored);
    } finally {
      await client.end();
    }
  }, 120_000);
});
