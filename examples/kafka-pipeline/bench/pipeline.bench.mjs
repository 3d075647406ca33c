// The Kafka pipeline, measured on a real cluster (three nodes, replication factor 3, acks=all; one node
// in smoke mode) and a real Postgres server, each figure against a baseline measured in the same run,
// in interleaved rounds:
// - kafka.edge-throughput: events/s through an edge process (verify each signed batch, produce it,
//   answer once Kafka acknowledged), posted by 8 concurrent clients, against a bare producer in this
//   process sending the same messages with the same settings (idempotent, acks=all, one send in flight
//   carrying up to 8 messages, as the edge's serial sender does). Goal: at least 0.8x.
// - kafka.sink-throughput: events/s a sink stores into Postgres from a topic that holds the batches,
//   from its first message to its last stored (each offset committed), against the Express receiver's
//   direct path: parse the body, store the batch, one batch at a time. Goal: at least 0.9x.
// - kafka.latency-p50 / -p99: from the edge's answer to the batch's rows being visible in Postgres
//   (polled every 5 ms), with an edge and a sink process running, batches posted at a steady rate;
//   shown against the time one direct store of such a batch takes, for information.
// Where Java or Postgres is missing the script says so and records nothing; under CI it fails instead.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createPostgresStore, openPostgres } from "@examples/express-receiver/store";
import { freePort } from "@org/test-fixtures/free-port";
import { nodeService } from "@org/test-fixtures/node-service";
import { hasPostgres, startPostgres } from "@org/test-fixtures/postgres-server";
import { parsePayload } from "@org/webhook-types";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { paired, record, ROUNDS, sampleFeatureEvent, scaled, SMOKE } from "../../../scripts/bench-kit.mjs";
import { createBatchProducer, HEADERS } from "../dist/edge.js";
import { startKafkaCluster } from "../dist/kafka-cluster.js";
import { startSink } from "../dist/sink.js";

const secret = "kafka-bench-secret";
const BATCH = scaled(1_000, 10);
const BATCHES = scaled(200, 4);
const CONCURRENCY = 8;
const PARTITIONS = 6;
const LATENCY_BATCH = scaled(100, 10);
const LATENCY_SAMPLES = scaled(300, 5);
const LATENCY_PER_SECOND = 30;
const edgeMain = new URL("../dist/edge-main.js", import.meta.url).pathname;
const sinkMain = new URL("../dist/sink-main.js", import.meta.url).pathname;
const fetchKafka = new URL("../scripts/fetch-kafka.mjs", import.meta.url).pathname;

function requireTools() {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  const missing = [
    ...(java.error !== undefined || java.status !== 0 ? ["Java 17+ (apt-get install openjdk-17-jre-headless)"] : []),
    ...(hasPostgres ? [] : ["Postgres (apt-get install postgresql)"]),
  ];
  if (missing.length === 0) return;
  if (process.env.CI) throw new Error(`the Kafka pipeline's bench needs ${missing.join(" and ")}, and CI has none`);
  console.log(`skip kafka.*: ${missing.join(" and ")} not installed`);
  process.exit(0);
}

/** Signed batches of `size` events, fresh ids: what a sender posts, and the message the edge produces of each. */
async function signedBatches(count, size, label) {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const events = Array.from({ length: size }, (_, position) => ({
        ...sampleFeatureEvent(index * size + position),
        userKey: `${label}-${index}-${position}`,
      }));
      const { body, headers } = await signTestWebhook({
        secret,
        body: JSON.stringify({ meta: { hostname: "bench" }, events }),
      });
      return { body: Buffer.from(body), headers, id: headers["webhook-id"] };
    }),
  );
}

/** The message the edge would produce for a batch. */
function messageOf(topic, batch, digest) {
  return {
    topic,
    key: batch.id,
    value: batch.body,
    headers: {
      [HEADERS.webhookId]: batch.id,
      [HEADERS.digest]: digest,
      [HEADERS.scheme]: "both",
      [HEADERS.receivedAt]: new Date().toISOString(),
    },
  };
}

/** Sends the messages with one send in flight, up to CONCURRENCY per send, as the edge's serial sender does. */
async function produceAll(producer, messages) {
  for (let index = 0; index < messages.length; index += CONCURRENCY) {
    await producer.send({ messages: messages.slice(index, index + CONCURRENCY) });
  }
}

/** Posts every batch to `url` from CONCURRENCY clients; each must be answered 200. */
async function postAll(url, batches) {
  let next = 0;
  const client = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const response = await fetch(url, { method: "POST", headers: batch.headers, body: batch.body });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`the edge answered ${response.status}: ${text}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
}

const eventsPerSecond = (batches, ms) => (batches * BATCH) / (ms / 1000);

requireTools();
execFileSync(process.execPath, [fetchKafka], { stdio: "inherit" });
const dir = mkdtempSync(join(tmpdir(), "kafka-bench-"));
const nodes = SMOKE ? 1 : 3;
const [cluster, database] = await Promise.all([
  startKafkaCluster({ dir: join(dir, "kafka"), nodes, heapMb: SMOKE ? 256 : 512 }),
  startPostgres(),
]);
const services = [];
const closers = [];
try {
  const env = { WEBHOOK_SECRET: secret, KAFKA_BROKERS: cluster.bootstrapBrokers.join(","), DATABASE_URL: database.url };
  const store = await createPostgresStore(openPostgres(database.url, 2), { rollup: true });
  closers.push(() => store.close());
  const producer = createBatchProducer({ bootstrapBrokers: cluster.bootstrapBrokers, clientId: "bench-producer" });
  closers.push(() => producer.close());

  // Edge against a bare producer, into one topic.
  await cluster.createTopic("bench-edge", PARTITIONS);
  const port = await freePort();
  const edge = nodeService(
    edgeMain,
    { ...env, KAFKA_TOPIC: "bench-edge", HOST: "127.0.0.1", PORT: String(port) },
    "listening",
  );
  services.push(edge);
  await edge.start();
  const edgeUrl = `http://127.0.0.1:${port}/webhook`;
  // One unmeasured pass each: connections, metadata and the JIT warm.
  await postAll(edgeUrl, await signedBatches(CONCURRENCY, BATCH, "warm-edge"));
  await produceAll(
    producer,
    (await signedBatches(CONCURRENCY, BATCH, "warm-bare")).map((batch) => messageOf("bench-edge", batch, "warm")),
  );
  const edgeRounds = [];
  const bareRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bare = (await signedBatches(BATCHES, BATCH, `bare-${round}`)).map((batch, index) =>
      messageOf("bench-edge", batch, `bare-${round}-${index}`),
    );
    let started = performance.now();
    await produceAll(producer, bare);
    bareRounds.push(eventsPerSecond(BATCHES, performance.now() - started));
    const posted = await signedBatches(BATCHES, BATCH, `edge-${round}`);
    started = performance.now();
    await postAll(edgeUrl, posted);
    edgeRounds.push(eventsPerSecond(BATCHES, performance.now() - started));
  }
  record({
    name: "kafka.edge-throughput",
    unit: "events/s",
    ...paired(edgeRounds, bareRounds),
    goal: { min: 0.8 },
    details: {
      note: `${BATCH}-event batches from ${CONCURRENCY} clients, ${nodes} brokers, acks=all, against a bare producer of the same messages`,
    },
  });

  // A sink draining a topic into Postgres, against the receiver's direct store of the same batches.
  const sinkRounds = [];
  const directRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const topic = `bench-sink-${round}`;
    await cluster.createTopic(topic, PARTITIONS);
    const sinkBatches = await signedBatches(BATCHES, BATCH, `sink-${round}`);
    await produceAll(
      producer,
      sinkBatches.map((batch, index) => messageOf(topic, batch, `sink-${round}-${index}`)),
    );
    let first;
    let stored = 0;
    let allStored;
    const done = new Promise((resolve) => (allStored = resolve));
    // The sink calls storeBatch only.
    const timedStore = {
      storeBatch: (batch) => {
        first ??= performance.now();
        return store.storeBatch(batch);
      },
    };
    const sink = startSink({
      bootstrapBrokers: cluster.bootstrapBrokers,
      topic,
      groupId: `bench-sink-${round}`,
      store: timedStore,
      afterStore: () => {
        if (++stored === BATCHES) allStored(performance.now());
      },
      onError: (error) => console.error("sink:", error),
    });
    // The last offset is committed after afterStore: the sink closes once it is.
    const last = await done;
    await sink.close();
    if (sink.stats().stored !== BATCHES)
      throw new Error(`the sink stored ${sink.stats().stored} of ${BATCHES} batches`);
    // Its first message pays for the group's join; the rate runs from its start to the last stored.
    sinkRounds.push(eventsPerSecond(BATCHES, last - first));

    const direct = await signedBatches(BATCHES, BATCH, `direct-${round}`);
    const started = performance.now();
    for (const [index, batch] of direct.entries()) {
      const payload = parsePayload(JSON.parse(batch.body.toString("utf8")));
      const outcome = await store.storeBatch({ webhookId: batch.id, digest: `direct-${round}-${index}`, payload });
      if (outcome !== "stored") throw new Error(`the direct store answered ${outcome}`);
    }
    directRounds.push(eventsPerSecond(BATCHES, performance.now() - started));
  }
  record({
    name: "kafka.sink-throughput",
    unit: "events/s",
    ...paired(sinkRounds, directRounds),
    goal: { min: 0.9 },
    details: {
      note: `one sink, ${BATCH}-event batches, offsets committed in the background after each store, against parse + store one batch at a time`,
    },
  });

  // Latency: the edge's answer to the rows being visible, a sink process running.
  await cluster.createTopic("bench-latency", PARTITIONS);
  const latencyPort = await freePort();
  const latencyEnv = { ...env, KAFKA_TOPIC: "bench-latency", KAFKA_GROUP: "bench-latency" };
  const latencyEdge = nodeService(
    edgeMain,
    { ...latencyEnv, HOST: "127.0.0.1", PORT: String(latencyPort) },
    "listening",
  );
  const latencySink = nodeService(sinkMain, latencyEnv, "sink consuming");
  services.push(latencyEdge, latencySink);
  await Promise.all([latencyEdge.start(), latencySink.start()]);
  const latencyUrl = `http://127.0.0.1:${latencyPort}/webhook`;
  await postAll(latencyUrl, await signedBatches(CONCURRENCY, LATENCY_BATCH, "warm-latency"));
  const probe = openPostgres(database.url, 1);
  closers.push(() => probe.close());
  const answeredAt = new Map();
  const latencies = [];
  let posting = true;
  const poller = (async () => {
    while (posting || answeredAt.size > 0) {
      if (answeredAt.size > 0) {
        const visible = await probe.query("SELECT webhook_id FROM webhook_batches WHERE webhook_id = ANY($1::text[])", [
          [...answeredAt.keys()],
        ]);
        const now = performance.now();
        for (const { webhook_id: id } of visible) {
          latencies.push(now - answeredAt.get(id));
          answeredAt.delete(id);
        }
      }
      await sleep(5);
    }
  })();
  const latencyBatches = await signedBatches(LATENCY_SAMPLES, LATENCY_BATCH, "latency");
  const posts = [];
  for (const batch of latencyBatches) {
    posts.push(
      fetch(latencyUrl, { method: "POST", headers: batch.headers, body: batch.body }).then(async (response) => {
        await response.text();
        if (response.status !== 200) throw new Error(`the edge answered ${response.status}`);
        answeredAt.set(batch.id, performance.now());
      }),
    );
    await sleep(1000 / LATENCY_PER_SECOND);
  }
  await Promise.all(posts);
  posting = false;
  await poller;
  // The floor: one direct store of such a batch, what an Express receiver's answer already includes.
  const floors = [];
  for (const [index, batch] of (await signedBatches(20, LATENCY_BATCH, "floor")).entries()) {
    const started = performance.now();
    await store.storeBatch({
      webhookId: batch.id,
      digest: `floor-${index}`,
      payload: parsePayload(JSON.parse(batch.body.toString("utf8"))),
    });
    floors.push(performance.now() - started);
  }
  const percentile = (values, p) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
  const floor = percentile(floors, 0.5);
  const note = `${LATENCY_SAMPLES} batches of ${LATENCY_BATCH} events at ${LATENCY_PER_SECOND}/s; baseline: one direct store of such a batch`;
  record({
    name: "kafka.latency-p50",
    unit: "ms",
    median: percentile(latencies, 0.5),
    baseline: floor,
    details: { note },
  });
  record({
    name: "kafka.latency-p99",
    unit: "ms",
    median: percentile(latencies, 0.99),
    baseline: floor,
    details: { note },
  });
} finally {
  for (const service of services) await service.stop().catch(() => undefined);
  for (const close of closers.reverse())
    await Promise.resolve()
      .then(close)
      .catch(() => undefined);
  await Promise.all([cluster.stop(), database.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
