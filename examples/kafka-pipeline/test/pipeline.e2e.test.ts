// The pipeline under real failures, on a real three-node Kafka cluster (replication factor 3,
// min.insync.replicas 2) and a real Postgres server, every part a process of its own: a sender with a
// spool posts through a round-robin proxy (which drops some answers after the edge replied) to two
// edges; two sinks in one consumer group share the topic's six partitions. During the run: an edge
// SIGKILLs itself after Kafka acknowledged a batch and before answering it, a sink SIGKILLs itself
// after the database committed a batch and before committing its offset, a broker is SIGKILLed while
// batches are being produced, Postgres is restarted under the sinks, and a sink is stopped with SIGTERM.
// At the end every event is in Postgres exactly once, the rollup counts each event once, and the
// duplicates recorded are exactly the extra copies Kafka held.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Consumer } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookExporter } from "@org/webhook-exporter";
import { createFeatureEvent } from "@org/webhook-types";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { freePort } from "@org/test-fixtures/free-port";
import { nodeService, type NodeService } from "@org/test-fixtures/node-service";
import { hasPostgres, startPostgres, type PostgresServer } from "@org/test-fixtures/postgres-server";
import { startRoundRobinProxy, type RoundRobinProxy } from "@org/test-fixtures/round-robin-proxy";
import { openPostgres, type SqlClient } from "@examples/express-receiver/store";
import { startKafkaCluster, type KafkaCluster } from "../src/kafka-cluster.js";

const secret = "kafka-pipeline-secret";
const topic = "webhook-batches";
const edgeMain = new URL("../dist/edge-main.js", import.meta.url).pathname;
const sinkMain = new URL("../dist/sink-main.js", import.meta.url).pathname;
const EVENTS = 12_000;
const BIG_BATCH = 100_000;

if (!hasPostgres && process.env.CI) throw new Error("the Kafka pipeline's tests need postgresql (.ci/run installs it)");

describe.skipIf(!hasPostgres)("the Kafka pipeline, under real failures", () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-pipeline-"));
  let cluster: KafkaCluster;
  let database: PostgresServer;
  let sql: SqlClient;
  let proxy: RoundRobinProxy;
  const edges: NodeService[] = [];
  const sinks: NodeService[] = [];
  const env = () => ({ WEBHOOK_SECRET: secret, KAFKA_BROKERS: cluster.bootstrapBrokers.join(","), KAFKA_TOPIC: topic });

  beforeAll(async () => {
    [cluster, database] = await Promise.all([startKafkaCluster({ dir: join(dir, "kafka") }), startPostgres()]);
    await cluster.createTopic(topic, 6);
    sql = openPostgres(database.url, 2);
  });

  afterAll(async () => {
    ending = true;
    // Each part may not have started (a failed beforeAll): every step is tried on its own.
    const attempt = (step: () => Promise<unknown>) =>
      Promise.resolve()
        .then(step)
        .catch(() => undefined);
    await Promise.all([...edges, ...sinks].map((service) => attempt(() => service.kill())));
    await attempt(() => proxy.close());
    await attempt(() => sql.close());
    await Promise.all([attempt(() => cluster.stop()), attempt(() => database.stop())]);
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (query: string) => Number((await sql.query<{ n: string }>(query))[0]?.n ?? 0);

  let ending = false;
  // Read through a function: checked after an await, it must see the test ending meanwhile.
  const isEnding = () => ending;
  /**
   * Starts `services[index]` again (as `healthy`, without its fault) whenever it dies, as a supervisor
   * would; not when the test stopped it (SIGTERM, exit 0), nor once the test is ending.
   */
  function supervise(services: NodeService[], index: number, healthy: () => NodeService) {
    const current = services[index];
    if (current === undefined) return;
    void current.exited().then(async ({ signal, code }) => {
      if (ending || (signal !== "SIGKILL" && code !== 1)) return;
      const next = healthy();
      services[index] = next;
      // One that dies before it is ready (a broker still down) is watched like any other, and started again.
      await next.start().catch(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
      if (isEnding()) await next.kill();
      else supervise(services, index, healthy);
    });
  }

  it("stores every event exactly once, and records as duplicates exactly the extra copies Kafka held", async () => {
    // Two edges on fixed ports behind the proxy; edge 0 dies after Kafka acknowledged its 5th batch.
    const edgePorts = [await freePort(), await freePort()];
    for (const [index, port] of edgePorts.entries()) {
      const base = { ...env(), HOST: "127.0.0.1", PORT: String(port) };
      const faulty = nodeService(
        edgeMain,
        index === 0 ? { ...base, EDGE_FAULT_KILL_AFTER_PRODUCE: "5" } : base,
        "listening",
      );
      edges.push(faulty);
      await faulty.start();
      supervise(edges, index, () => nodeService(edgeMain, base, "listening"));
    }
    proxy = await startRoundRobinProxy(edgePorts, 9);

    // Two sinks in one group; sink 0 dies after its 4th batch is in Postgres, before its offset is committed.
    const sinkEnv = { ...env(), DATABASE_URL: database.url };
    for (let index = 0; index < 2; index++) {
      const faulty = nodeService(
        sinkMain,
        index === 0 ? { ...sinkEnv, SINK_FAULT_KILL_AFTER_STORE: "4" } : sinkEnv,
        "sink consuming",
      );
      sinks.push(faulty);
      await faulty.start();
      supervise(sinks, index, () => nodeService(sinkMain, sinkEnv, "sink consuming"));
    }

    const exporter = createWebhookExporter({
      endpointUrl: `${proxy.url}/webhook`,
      secret,
      spool: { dir: join(dir, "spool") },
      flushInterval: 200,
      maxEventInMemory: 150,
      retryBaseDelayMs: 50,
      closeTimeout: 120_000,
    });
    const added = new Set<string>();
    const addEvents = async (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const userKey = `user-${String(index)}`;
        added.add(userKey);
        exporter.add(
          createFeatureEvent({
            userKey,
            key: `flag-${String(index % 7)}`,
            variation: index % 3 === 0 ? "on" : "off",
            value: index % 3 === 0,
            creationDate: 1_767_225_600 + (index % 600),
          }),
        );
        if (index % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await exporter.flush();
    };

    await addEvents(0, 3_000);
    // A broker SIGKILLed while batches are being produced, started again later.
    const adding = addEvents(3_000, 6_000);
    await cluster.kill(2, "SIGKILL");
    await adding;
    // Postgres restarted (a fast shutdown) under the sinks while batches keep coming.
    const more = addEvents(6_000, 9_000);
    await database.restart();
    await more;
    await cluster.restart(2);
    // A sink stopped with SIGTERM finishes the batch in hand, commits, leaves the group and exits 0.
    const leaving = sinks[1];
    if (leaving === undefined) throw new Error("no sink");
    const stopped = leaving.stop();
    await addEvents(9_000, EVENTS);
    expect(await stopped, leaving.errors).toBe(0);
    const replacement = nodeService(sinkMain, sinkEnv, "sink consuming");
    sinks[1] = replacement;
    await replacement.start();
    supervise(sinks, 1, () => nodeService(sinkMain, sinkEnv, "sink consuming"));

    // The sender keeps retrying, as a running service does, until every batch is acknowledged.
    await until(async () => {
      await exporter.flush();
      return exporter.stats().pending === 0;
    }, "the sender delivered every batch");
    await exporter.close();
    expect(exporter.stats()).toMatchObject({ added: EVENTS, sent: EVENTS, dropped: 0, pending: 0 });

    // A batch as large as GO Feature Flag sends by default (about 15 MB here): over Kafka's default
    // message size (1 MiB) and the client's default fetch (10 MB). Posted to an edge until it answers 200.
    const bigEvents = Array.from({ length: BIG_BATCH }, (_, index) => {
      const userKey = `big-${String(index)}`;
      added.add(userKey);
      return createFeatureEvent({
        userKey,
        key: "flag-big",
        variation: "on",
        value: true,
        creationDate: 1_767_225_600,
      });
    });
    const big = await signTestWebhook({
      secret,
      body: JSON.stringify({ meta: { hostname: "big" }, events: bigEvents }),
    });
    expect(big.body.length).toBeGreaterThan(10_000_000);
    await postUntilTaken(edgePorts[1], big);
    const total = EVENTS + BIG_BATCH;

    // Everything Kafka holds reaches Postgres.
    await until(
      async () => (await count("SELECT count(*) AS n FROM feature_events")) >= total,
      "the sinks stored every event",
    ).catch(async (error: unknown) => {
      const stored = await count("SELECT count(*) AS n FROM feature_events");
      const errors = sinks
        .map((sink) => `running ${String(sink.running)}: ${sink.errors.slice(-3_000)}`)
        .join("\n---\n");
      const offsets = await partitionOffsets(cluster.bootstrapBrokers);
      const held = await readTopic(cluster.bootstrapBrokers);
      const batchesStored = await count("SELECT count(*) AS n FROM webhook_batches");
      throw new Error(
        `${String(error)}: ${String(stored)} of ${String(total)} stored in ${String(batchesStored)} batches; Kafka holds ${String(held.messages)} messages, ${String(held.userKeys.size)} distinct events; offsets ${offsets}; the sinks said:\n${errors}`,
      );
    });

    expect(await count("SELECT count(*) AS n FROM feature_events")).toBe(total);
    expect(await count("SELECT count(DISTINCT user_key) AS n FROM feature_events")).toBe(total);
    const stored = await sql.query<{ user_key: string }>("SELECT user_key FROM feature_events");
    expect(new Set(stored.map((row) => row.user_key))).toEqual(added);
    expect(await count("SELECT coalesce(sum(events), 0) AS n FROM flag_minutes")).toBe(total);
    const perFlag = await sql.query<{ flag_key: string; events: string; rows: string }>(
      `SELECT m.flag_key, m.events::text, f.rows::text FROM
         (SELECT flag_key, sum(events) AS events FROM flag_minutes GROUP BY 1) m
         JOIN (SELECT flag_key, count(*) AS rows FROM feature_events GROUP BY 1) f USING (flag_key)`,
    );
    for (const row of perFlag) expect(row.events).toBe(row.rows);

    // Kafka held every batch once, plus the copies the faults made (an answer lost after Kafka had the batch).
    const messages = await messagesInTopic(cluster.bootstrapBrokers);
    const batches = await count("SELECT count(*) AS n FROM webhook_batches");
    const duplicates = await count("SELECT count(*) AS n FROM webhook_duplicates");
    expect(messages - batches).toBeGreaterThan(0);
    expect(duplicates).toBe(messages - batches);

    // The two sinks share the six partitions. Once each running sink holds partitions (its last
    // assignment line) and together they hold all six, 60 more batches go to an edge; the partitions
    // they land on (each batch row keeps its topic/partition/offset) say how much each sink stored.
    const lastAssignment = (sink: NodeService | undefined) =>
      [...(sink?.output ?? "").matchAll(/sink assigned partitions \[([\d,]*)\]/g)]
        .at(-1)?.[1]
        ?.split(",")
        .filter(Boolean)
        .map(Number) ?? [];
    let split: number[][] = [];
    const shared = () => {
      split = sinks.map(lastAssignment);
      const held = split.flat();
      return split.every((partitions) => partitions.length > 0) && held.length === 6 && new Set(held).size === 6;
    };
    await until(() => Promise.resolve(shared()), "the two sinks hold the six partitions between them").catch(
      (error: unknown) => {
        const said = sinks.map((sink) => `${sink.output.slice(-600)}${sink.errors.slice(-600)}`).join("\n---\n");
        throw new Error(`${String(error)}: ${JSON.stringify(split)}; the sinks said:\n${said}`);
      },
    );
    const shareIds: string[] = [];
    for (let index = 0; index < 60; index++) {
      const events = Array.from({ length: 10 }, (_, position) =>
        createFeatureEvent({
          userKey: `share-${String(index)}-${String(position)}`,
          key: "flag-share",
          variation: "on",
          value: true,
          creationDate: 1_767_225_600,
        }),
      );
      const batch = await signTestWebhook({ secret, body: JSON.stringify({ meta: { hostname: "share" }, events }) });
      shareIds.push(batch.headers["webhook-id"] ?? "");
      await postUntilTaken(edgePorts[1], batch);
    }
    let sources: { source: string }[] = [];
    await until(async () => {
      sources = await sql.query<{ source: string }>(
        "SELECT source FROM webhook_batches WHERE webhook_id = ANY($1::text[])",
        [shareIds],
      );
      return sources.length === shareIds.length;
    }, "the sinks stored the last 60 batches");
    const partitionOf = (source: string) => Number(source.split("/")[1]);
    const perSink = split.map(
      (partitions) => sources.filter(({ source }) => partitions.includes(partitionOf(source))).length,
    );
    for (const stored of perSink) {
      expect(
        stored,
        `the last 60 batches per sink: ${perSink.join(", ")}; partitions ${JSON.stringify(split)}`,
      ).toBeGreaterThan(12);
    }

    // Every process of the pipeline ends on SIGTERM with exit code 0.
    ending = true;
    for (const service of [...edges, ...sinks]) expect(await service.stop()).toBe(0);
  });
});

/** Every message of the topic, read from the start: how many, and the events they carry. */
async function readTopic(bootstrapBrokers: string[]): Promise<{ messages: number; userKeys: Set<string> }> {
  const total = await messagesInTopic(bootstrapBrokers);
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    groupId: `audit-${String(Date.now())}`,
    clientId: "audit",
    bootstrapBrokers,
  });
  const userKeys = new Set<string>();
  let messages = 0;
  try {
    const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
    for await (const message of stream) {
      const body = JSON.parse(message.value.toString("utf8")) as { events: { userKey: string }[] };
      for (const event of body.events) userKeys.add(event.userKey);
      if (++messages >= total) break;
    }
    await stream.close();
  } finally {
    await new Promise((resolve) => {
      consumer.close(true, resolve);
    });
  }
  return { messages, userKeys };
}

/** Each partition's end offset and the sinks' committed offset, for a failure's message. */
async function partitionOffsets(bootstrapBrokers: string[]): Promise<string> {
  const consumer = new Consumer({ groupId: "webhook-sink", clientId: "diagnose", bootstrapBrokers });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const committed =
      (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, index) => index) }] })).get(
        topic,
      ) ?? [];
    return ends.map((end, index) => `${String(index)}: ${String(committed[index])}/${String(end)}`).join(", ");
  } finally {
    await consumer.close();
  }
}

/** Posts a signed batch straight to the edge on `port` until it answers 200 (it may be restarting). */
async function postUntilTaken(port: number | undefined, batch: { body: string; headers: Record<string, string> }) {
  await until(
    async () => {
      const response = await fetch(`http://127.0.0.1:${String(port)}/webhook`, {
        method: "POST",
        headers: batch.headers,
        body: batch.body,
      }).catch(() => undefined);
      await response?.text();
      return response?.status === 200;
    },
    `the edge on port ${String(port)} took a batch`,
  );
}

/** Polls `done` every 200 ms, for at most two minutes. */
async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not within 2 minutes: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Messages the topic holds: the sum of its partitions' end offsets (no transactions, no compaction). */
async function messagesInTopic(bootstrapBrokers: string[]): Promise<number> {
  const consumer = new Consumer({ groupId: "count-messages", clientId: "count-messages", bootstrapBrokers });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic] });
    return (offsets.get(topic) ?? []).reduce((sum, offset) => sum + Number(offset), 0);
  } finally {
    await consumer.close();
  }
}
