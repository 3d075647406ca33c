// node dist/sink-main.js: DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC (webhook-batches), KAFKA_GROUP (webhook-sink).
import { createPostgresStore, openPostgres } from "@examples/express-receiver/store";
import { describeError, kafkaEnv, killSelfAfter, onTermination, requiredEnv } from "./env.js";
import { startSink } from "./sink.js";

const store = await createPostgresStore(openPostgres(requiredEnv("DATABASE_URL")), { rollup: true });
const sink = startSink({
  ...kafkaEnv(),
  groupId: process.env.KAFKA_GROUP ?? "webhook-sink",
  clientId: `webhook-sink-${process.pid}`,
  store,
  afterStore: killSelfAfter("SINK_FAULT_KILL_AFTER_STORE"),
  onAssigned: (partitions) => {
    console.log(`sink assigned partitions [${partitions.join(",")}]`);
  },
  onError: (error) => {
    console.error(`sink: ${describeError(error)}`);
  },
});
// SIGTERM: stop consuming, finish the message in hand (stored, committed), leave the group.
onTermination(async () => {
  await sink.close();
  await store.close();
  const { stored, duplicate, redelivered, skipped, partitions } = sink.stats();
  console.log(
    `sink stopped: stored ${stored} batches from partitions [${partitions.join(",")}]; ${duplicate} duplicates, ${redelivered} redelivered, ${skipped} skipped`,
  );
});

await sink.ready;
console.log("sink consuming");
