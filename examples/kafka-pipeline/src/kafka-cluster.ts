// A local Apache Kafka cluster from Maven Central's jars (kafka/libs, fetched by scripts/fetch-kafka.mjs):
// N combined broker+controller nodes in KRaft mode on 127.0.0.1, on ports the OS picks, each a `java`
// child process that can be killed with a real signal and started again on its own data.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Admin } from "@platformatic/kafka";
import { endChild } from "@org/test-fixtures/end-child";
import { freePort } from "@org/test-fixtures/free-port";
import { KAFKA_MAX_MESSAGE_BYTES } from "./limits.js";

/** kafka/libs: the broker's jars. */
export const KAFKA_LIBS = new URL("../kafka/libs/", import.meta.url).pathname;

export interface KafkaNode {
  readonly id: number;
  readonly brokerPort: number;
  /** Whether its process is running. */
  readonly running: boolean;
}

export interface KafkaCluster {
  /** `127.0.0.1:<port>` of every broker. */
  readonly bootstrapBrokers: string[];
  readonly nodes: readonly KafkaNode[];
  /** Creates a topic (replication factor: every node, up to 3) and waits until each partition has a leader. */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Sends `signal` to node `id` and waits for its process to end. */
  kill(id: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node `id` again, on its data, and waits until the cluster sees it. */
  restart(id: number): Promise<void>;
  /** Stops every node (SIGTERM, then SIGKILL after 10 s) and keeps the data directory. */
  stop(): Promise<void>;
}

export interface KafkaClusterOptions {
  /** Where each node keeps its configuration, data and log. */
  dir: string;
  /** 3 by default (replication factor 3, `min.insync.replicas` 2). */
  nodes?: number;
  /** Each JVM's heap, MB: 512 by default. */
  heapMb?: number;
  /** How long the cluster may take to come up: 180 s by default (a busy 2-core machine takes up to 75 s). */
  startTimeoutMs?: number;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64, unpadded. */
function clusterId(): string {
  return randomBytes(16).toString("base64url");
}

function serverProperties(options: {
  id: number;
  brokerPort: number;
  controllerPort: number;
  voters: string;
  dataDir: string;
  replicas: number;
}): string {
  const minInsync = Math.min(2, options.replicas);
  return [
    "process.roles=broker,controller",
    `node.id=${options.id}`,
    `controller.quorum.voters=${options.voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${options.brokerPort},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${options.brokerPort}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    `log.dirs=${options.dataDir}`,
    `default.replication.factor=${options.replicas}`,
    `min.insync.replicas=${minInsync}`,
    `offsets.topic.replication.factor=${options.replicas}`,
    `transaction.state.log.replication.factor=${options.replicas}`,
    `transaction.state.log.min.isr=${minInsync}`,
    "offsets.topic.num.partitions=6",
    "auto.create.topics.enable=false",
    "group.initial.rebalance.delay.ms=0",
    // A replica that lost its leader is not elected unless it was in sync: no acknowledged write is lost.
    "unclean.leader.election.enable=false",
    // Batches of up to 32 MiB (GO Feature Flag's are about 18 MB): Kafka's default takes 1 MiB.
    `message.max.bytes=${String(KAFKA_MAX_MESSAGE_BYTES)}`,
    "",
  ].join("\n");
}

const LOG4J2 = `Configuration:
  status: warn
  Appenders:
    File:
      name: file
      fileName: "\${sys:kafka.logs.dir}/server.log"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: warn
      AppenderRef:
        ref: file
    Logger:
      - name: kafka.server.KafkaServer
        level: info
      - name: kafka.server.BrokerServer
        level: info
`;

/** JVM settings for a small local node: a fixed heap, and a quick start on a machine with 2 cores. */
const jvmFlags = (heapMb: number, dir: string) => [
  `-Xmx${heapMb}m`,
  `-Xms${heapMb}m`,
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
  "-Djava.awt.headless=true",
  `-Dkafka.logs.dir=${dir}`,
  `-Dlog4j2.configurationFile=${join(dir, "log4j2.yaml")}`,
];

/**
 * Starts a cluster and waits until every broker is up.
 * @throws when `java` or the jars are missing, or the cluster is not up in time (the nodes are stopped).
 */
export async function startKafkaCluster(options: KafkaClusterOptions): Promise<KafkaCluster> {
  const count = options.nodes ?? 3;
  const heapMb = options.heapMb ?? 512;
  if (!existsSync(join(KAFKA_LIBS, "kafka_2.13-4.1.1.jar")))
    throw new Error(`Kafka's jars are not in ${KAFKA_LIBS}: run node examples/kafka-pipeline/scripts/fetch-kafka.mjs`);
  const nodes = await Promise.all(
    Array.from({ length: count }, async (_, index) => ({
      id: index + 1,
      brokerPort: await freePort(),
      controllerPort: await freePort(),
      dir: join(options.dir, `node-${index + 1}`),
      process: undefined as ChildProcess | undefined,
    })),
  );
  const voters = nodes.map((node) => `${node.id}@127.0.0.1:${node.controllerPort}`).join(",");
  const id = clusterId();
  const classpath = `${KAFKA_LIBS}*`;
  for (const node of nodes) {
    mkdirSync(node.dir, { recursive: true });
    writeFileSync(join(node.dir, "log4j2.yaml"), LOG4J2);
    writeFileSync(
      join(node.dir, "server.properties"),
      serverProperties({ ...node, voters, dataDir: join(node.dir, "data"), replicas: Math.min(3, count) }),
    );
    const format = spawnSync(
      "java",
      [
        ...jvmFlags(256, node.dir),
        "-cp",
        classpath,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        id,
        "-c",
        join(node.dir, "server.properties"),
      ],
      { encoding: "utf8" },
    );
    if (format.error !== undefined) throw new Error(`java is needed to run Kafka: ${format.error.message}`);
    if (format.status !== 0) throw new Error(`formatting Kafka node ${node.id} failed: ${format.stderr}`);
  }
  const bootstrapBrokers = nodes.map((node) => `127.0.0.1:${node.brokerPort}`);

  const startNode = (node: (typeof nodes)[number]) => {
    const child = spawn(
      "java",
      [...jvmFlags(heapMb, node.dir), "-cp", classpath, "kafka.Kafka", join(node.dir, "server.properties")],
      { stdio: "ignore" },
    );
    node.process = child;
    child.once("exit", () => {
      if (node.process === child) node.process = undefined;
    });
  };

  /** Polls the cluster's metadata until `ready` says yes. */
  async function waitFor(what: string, ready: (brokers: number[]) => boolean, timeoutMs: number): Promise<void> {
    const admin = new Admin({ clientId: "cluster-check", bootstrapBrokers, connectTimeout: 2_000, retries: 0 });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const brokers = await admin
          .metadata({ topics: [], forceUpdate: true })
          .then((metadata) => [...metadata.brokers.keys()])
          .catch(() => []);
        if (ready(brokers)) return;
        if (Date.now() > deadline) throw new Error(`Kafka: ${what} did not happen within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  const stop = async () => {
    await Promise.all(
      nodes.map(async (node) => {
        if (node.process !== undefined) await endChild(node.process, "SIGTERM", { killAfterMs: 10_000 });
      }),
    );
  };

  nodes.forEach(startNode);
  try {
    await waitFor(`${count} brokers up`, (brokers) => brokers.length >= count, options.startTimeoutMs ?? 180_000);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    bootstrapBrokers,
    get nodes() {
      return nodes.map((node) => ({ id: node.id, brokerPort: node.brokerPort, running: node.process !== undefined }));
    },
    async createTopic(name, partitions) {
      const admin = new Admin({ clientId: "cluster-admin", bootstrapBrokers });
      try {
        await admin.createTopics({ topics: [name], partitions, replicas: Math.min(3, count) });
        for (;;) {
          const metadata = await admin.metadata({ topics: [name], forceUpdate: true }).catch(() => undefined);
          const topic = metadata?.topics.get(name);
          if (topic?.partitions.length === partitions && topic.partitions.every((p) => p.leader >= 0)) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await admin.close();
      }
    },
    async kill(nodeId, signal = "SIGKILL") {
      const child = nodes.find((candidate) => candidate.id === nodeId)?.process;
      if (child !== undefined) await endChild(child, signal);
    },
    async restart(nodeId) {
      const node = nodes.find((candidate) => candidate.id === nodeId);
      if (node === undefined) throw new Error(`no Kafka node ${nodeId}`);
      if (node.process === undefined) startNode(node);
      await waitFor(`node ${nodeId} back`, (brokers) => brokers.includes(nodeId), 120_000);
    },
    stop,
  };
}
