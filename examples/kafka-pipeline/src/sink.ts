// The sink: a member of a consumer group that stores each message (one verified batch) into Postgres
// with the receivers' one-statement store, and commits its offset only once the database committed.
// A crash between the two reads the message again: the store finds the batch stored from the same
// source (topic/partition/offset) and it is "redelivered", stored nothing twice, counted as nothing.
import {
  Consumer,
  FetchIsolationLevels,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializer,
  type Message,
  type MessagesStream,
} from "@platformatic/kafka";
import { parsePayload } from "@org/webhook-types";
import type { EventStore } from "@examples/express-receiver/store";
import { HEADERS } from "./edge.js";
import { KAFKA_MAX_MESSAGE_BYTES } from "./limits.js";
import { createOffsetCommitter } from "./offset-committer.js";

export interface SinkOptions {
  bootstrapBrokers: string[];
  topic: string;
  /** The consumer group: sinks of one group share the topic's partitions. */
  groupId?: string | undefined;
  clientId?: string | undefined;
  store: EventStore;
  /** Sees every failure: a message that is not a batch (committed past), or a store that failed (retried). */
  onError?: ((error: unknown) => void) | undefined;
  /** Called once a message is stored, before its offset is committed (the fault tests kill the sink here). */
  afterStore?: (() => void) | undefined;
  /** Called each time the sink (re)joins its group, with the partitions it was given, ascending. */
  onAssigned?: ((partitions: number[]) => void) | undefined;
}

/** What one sink did, counted by the store's answer: the batches it stored, and the partitions they came from. */
export interface SinkStats {
  stored: number;
  /** Copies of a batch already stored (Kafka held it twice): recorded as duplicates, stored nothing. */
  duplicate: number;
  /** Messages read again after a crash between the database's commit and the offset's: stored nothing. */
  redelivered: number;
  /** Messages that were not a webhook batch: committed past. */
  skipped: number;
  /** The partitions this sink stored batches from, ascending. */
  partitions: number[];
}

export interface Sink {
  /** Resolves when the sink has joined its group and is consuming. */
  readonly ready: Promise<void>;
  stats(): SinkStats;
  /** Stops consuming, finishes the message in hand (stored and committed), leaves the group. */
  close(): Promise<void>;
}

type BatchMessage = Message<string, Buffer, string, string>;

/** Backoff while the database refuses: from 100 ms, doubling, at most 5 s. */
const retryDelay = (attempt: number) => Math.min(5_000, 100 * 2 ** attempt);

/** Offset commits that fail in a row before the sink starts over with a new client. */
const MAX_FAILED_COMMITS = 5;

const SESSION_TIMEOUT_MS = 10_000;

/**
 * A client with no successful heartbeat for this long was evicted from its group (after the session
 * timeout) and may never learn it: it is replaced, so that its partitions are not left to the others.
 */
const HEARTBEAT_SILENCE_MS = 3 * SESSION_TIMEOUT_MS;

function createConsumer(options: SinkOptions): Consumer<string, Buffer, string, string> {
  const consumer = new Consumer<string, Buffer, string, string>({
    groupId: options.groupId ?? "webhook-sink",
    clientId: options.clientId ?? "webhook-sink",
    bootstrapBrokers: options.bootstrapBrokers,
    autocommit: false,
    // A few tries a second apart, then the operation fails and the sink starts a new client: the
    // client's retries reuse the coordinator and metadata it had, so after a broker restart longer
    // retrying only repeats "not the correct coordinator" (the fault test saw a minute of it).
    retries: 5,
    retryDelay: 1_000,
    // A number (FetchIsolationLevels), never a string: a string is taken as read-uncommitted.
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    // The largest batch the edge produces fits in one fetch.
    maxBytes: KAFKA_MAX_MESSAGE_BYTES,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1_000,
    deserializers: {
      key: stringDeserializer,
      value: (value) => value,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
  consumer.on("consumer:group:join", (joined: { assignments?: { topic: string; partitions: number[] }[] | null }) => {
    const mine = (joined.assignments ?? []).filter((assignment) => assignment.topic === options.topic);
    options.onAssigned?.(mine.flatMap((assignment) => assignment.partitions).sort((a, b) => a - b));
  });
  // A client emits 'error' outside any call (a rejoin that failed, a group that failed to sync while
  // closing): reported, never a crash; startSink replaces the client.
  consumer.on("error", (error: unknown) => options.onError?.(error));
  return consumer;
}

const closeConsumer = (consumer: Consumer<string, Buffer, string, string>) =>
  new Promise<void>((resolve) => {
    consumer.close(true, () => {
      resolve();
    });
  });

export function startSink(options: SinkOptions): Sink {
  let stopping = false;
  // Read through a function: the checks after an await must see a close() that came meanwhile.
  const isStopping = () => stopping;
  let wake: (() => void) | undefined;
  let stream: MessagesStream<string, Buffer, string, string> | undefined;
  const counts = { stored: 0, duplicate: 0, redelivered: 0, skipped: 0 };
  const partitions = new Set<number>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Stores one batch, retrying while the database refuses; `undefined` when the sink stops first. */
  async function store(message: BatchMessage) {
    const header = (name: string) => message.headers.get(name);
    let payload;
    try {
      payload = parsePayload(JSON.parse(message.value.toString("utf8")));
    } catch (error) {
      // Not a batch the edge produced (the edge verified and validated every one): nothing to store, ever.
      options.onError?.(
        new Error(`message ${message.partition}/${message.offset} is not a webhook batch`, { cause: error }),
      );
      return "skipped" as const;
    }
    const batch = {
      webhookId: header(HEADERS.webhookId),
      digest: header(HEADERS.digest) ?? message.key,
      payload,
      source: `${message.topic}/${message.partition}/${message.offset}`,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.store.storeBatch(batch);
      } catch (error) {
        options.onError?.(error);
        if (stopping) return undefined;
        await sleep(retryDelay(attempt));
      }
    }
  }

  /** Consumes until the sink stops, the stream ends, or commits keep failing (a client that lost its coordinator). */
  async function run(messages: MessagesStream<string, Buffer, string, string>): Promise<void> {
    // A failed commit: the partition moved to another sink, or the group's coordinator moved. The
    // message is read again (by this sink's next client, or another sink) and found stored: "redelivered".
    const committer = createOffsetCommitter<BatchMessage>((error) => options.onError?.(error));
    try {
      for await (const message of messages) {
        const outcome = await store(message);
        // Stopped while the database refused: not stored, so not committed; the next owner stores it.
        if (outcome === undefined) break;
        counts[outcome] += 1;
        if (outcome === "stored") partitions.add(message.partition);
        options.afterStore?.();
        committer.stored(message);
        if (stopping || committer.failedInARow >= MAX_FAILED_COMMITS) break;
      }
    } finally {
      // What was stored is committed before the client closes (a SIGTERM's promise), even when the stream failed.
      await committer.flush();
    }
  }

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  /**
   * One client after another: a client whose stream ended or failed, that cannot commit, or whose
   * heartbeats stopped, is closed and replaced, since a new one finds the brokers and the group's
   * coordinator anew and joins the group again.
   */
  async function consumeUntilStopped(): Promise<void> {
    while (!stopping) {
      const consumer = createConsumer(options);
      try {
        const messages = await consumer.consume({
          topics: [options.topic],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: false,
        });
        stream = messages;
        messages.on("error", (error) => options.onError?.(error));
        markReady();
        // The client failed outside any call (its rejoin gave up, it left the group): its stream would
        // wait for ever, so it is closed and the loop starts a new client.
        const abandon = () => {
          messages.close().catch(() => undefined);
        };
        consumer.once("error", abandon);
        const joinedAt = Date.now();
        const watchdog = setInterval(() => {
          const silentFor = Date.now() - (consumer.lastHeartbeat?.getTime() ?? joinedAt);
          if (silentFor < HEARTBEAT_SILENCE_MS) return;
          options.onError?.(new Error(`no heartbeat for ${String(silentFor)} ms: the sink starts a new client`));
          abandon();
        }, 1_000);
        try {
          await run(messages);
        } finally {
          clearInterval(watchdog);
          consumer.off("error", abandon);
        }
        await messages.close().catch(() => undefined);
      } catch (error) {
        options.onError?.(error);
      }
      await closeConsumer(consumer);
      if (!isStopping()) await sleep(1_000);
    }
  }

  const done = consumeUntilStopped();
  return {
    ready,
    stats: () => ({ ...counts, partitions: [...partitions].sort((a, b) => a - b) }),
    async close() {
      stopping = true;
      wake?.();
      await stream?.close().catch(() => undefined);
      await done;
    },
  };
}
