// node dist/cluster-main.js [dir]: a three-node Kafka cluster on 127.0.0.1 from kafka/libs, with the topic
// (KAFKA_TOPIC, webhook-batches; 6 partitions, replication factor 3). Prints KAFKA_BROKERS; Ctrl-C stops it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTermination } from "./env.js";
import { startKafkaCluster } from "./kafka-cluster.js";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "kafka-"));
console.log(`starting three Kafka nodes in ${dir} (30 to 75 s)`);
const cluster = await startKafkaCluster({ dir });
const topic = process.env.KAFKA_TOPIC ?? "webhook-batches";
await cluster.createTopic(topic, 6);
console.log(`KAFKA_BROKERS=${cluster.bootstrapBrokers.join(",")}`);
console.log(`topic ${topic}: 6 partitions, replication factor 3, min.insync.replicas 2`);
onTermination(() => cluster.stop());
