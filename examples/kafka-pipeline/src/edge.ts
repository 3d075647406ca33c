// The edge: verifies each webhook with @org/webhook-verify and produces the batch, as it arrived, as one
// Kafka message. It answers 2xx only once the brokers acknowledged the message (acks=all, so every
// in-sync replica holds it), so a batch the sender was told is delivered is on min.insync.replicas brokers.
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { ProduceAcks, Producer, stringSerializer, type MessageToProduce } from "@platformatic/kafka";
import type { WebhookVerificationError } from "@org/webhook-verify";
import { webhookMiddleware } from "@org/webhook-verify/express";
import { answerProblem } from "./problem.js";
import { MAX_BODY_BYTES, MESSAGE_OVERHEAD_BYTES } from "./limits.js";
import { createSerialSender } from "./serial-sender.js";

/** Header names of each message, as the sink reads them. */
export const HEADERS = {
  webhookId: "webhook-id",
  digest: "body-digest",
  scheme: "scheme",
  receivedAt: "received-at",
} as const;

export interface EdgeOptions {
  /** The shared secret (WEBHOOK_SECRET), or several while rotating. */
  secret: string | string[];
  bootstrapBrokers: string[];
  topic: string;
  /** `clientId` of the producer: one per edge replica. */
  clientId?: string | undefined;
  /** Sees every refused request and every failure to produce (answered 503: the sender retries). */
  onError?: ((error: unknown) => void) | undefined;
  /** Called once a batch is acknowledged by the brokers, before it is answered (the fault tests kill the edge here). */
  afterProduce?: (() => void) | undefined;
  /**
   * How long a send may wait for the brokers' acknowledgement, ms (15,000 by default). Past it the
   * batches are answered 503 and the producer replaced: the client waits for brokers it cannot reach
   * without end, and with one send in flight every later batch would wait behind it.
   */
  sendTimeoutMs?: number | undefined;
}

export interface Edge {
  app: Express;
  /** Closes the producer, once the server stopped taking requests. */
  close(): Promise<void>;
}

/** A raw body kept beside the one the verifier reads, to produce the exact bytes that were signed. */
type RawRequest = Request & { rawBody?: Buffer };

type BatchProducer = Producer<string, Buffer, string, string>;
type BatchMessage = MessageToProduce<string, Buffer, string, string>;

/** `promise`, or a rejection once `ms` passed first. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Kafka did not acknowledge within ${String(ms)} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The edge's producer: idempotent, acks=all, the message as bytes (the bench's baseline uses it too). */
export function createBatchProducer(
  options: Pick<EdgeOptions, "bootstrapBrokers" | "clientId" | "onError">,
): BatchProducer {
  const producer = new Producer<string, Buffer, string, string>({
    clientId: options.clientId ?? "webhook-edge",
    bootstrapBrokers: options.bootstrapBrokers,
    // Idempotent: a retry within this producer's session is written once (KIP-98), in order.
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: {
      key: stringSerializer,
      value: (value) => value,
      headerKey: stringSerializer,
      headerValue: stringSerializer,
    },
  });
  // A client emits 'error' outside any send (a connection lost while idle): reported, never a crash.
  producer.on("error", (error: unknown) => options.onError?.(error));
  return producer;
}

export function createEdge(options: EdgeOptions): Edge {
  let producer = createBatchProducer(options);
  /**
   * After a failed send the producer's sequence numbers may no longer match the brokers' (a broker died
   * with sends in flight), and every later send would fail: the next request gets a new producer, a new
   * idempotent session. The failed batch is answered 503 and re-sent by its sender, a new message.
   */
  const sendTimeoutMs = options.sendTimeoutMs ?? 15_000;
  const produce = createSerialSender<BatchMessage>(
    async (messages) => {
      try {
        await within(sendTimeoutMs, producer.send({ messages }));
      } catch (error) {
        // Timed out, the send may still land: its batches are answered 503 and re-sent, and the sink
        // records the second copy as a duplicate.
        const failed = producer;
        producer = createBatchProducer(options);
        failed.close(true, () => undefined);
        throw error;
      }
    },
    {
      maxSendBytes: MAX_BODY_BYTES + MESSAGE_OVERHEAD_BYTES,
      weigh: (message) => (message.value?.length ?? 0) + MESSAGE_OVERHEAD_BYTES,
    },
  );
  const app = express();
  app.post(
    "/webhook",
    express.raw({
      type: () => true,
      limit: MAX_BODY_BYTES,
      verify: (req, _res, body) => {
        (req as RawRequest).rawBody = body;
      },
    }),
    webhookMiddleware({
      secret: options.secret,
      maxBodyBytes: MAX_BODY_BYTES,
      onError: (error: WebhookVerificationError) => options.onError?.(error),
    }),
    async (req: RawRequest, res) => {
      const { webhook, rawBody } = req;
      if (webhook === undefined || rawBody === undefined) throw new Error("the body or its verification is missing");
      const headers: Record<string, string> = {
        [HEADERS.digest]: webhook.digest,
        [HEADERS.scheme]: webhook.scheme,
        [HEADERS.receivedAt]: new Date().toISOString(),
      };
      if (webhook.id !== undefined) headers[HEADERS.webhookId] = webhook.id;
      // Keyed by the batch's identity: its copies land on one partition, in order.
      await produce({ topic: options.topic, key: webhook.id ?? webhook.digest, value: rawBody, headers });
      options.afterProduce?.();
      res.status(200).json({ received: webhook.payload.events.length });
    },
  );
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.onError?.(error);
    // A body over the limit: 413, so that the sender splits the batch rather than retry it as it is.
    if ((error as { type?: unknown }).type === "entity.too.large") {
      answerProblem(res, 413, `the batch is larger than ${String(MAX_BODY_BYTES)} bytes; send smaller batches`);
      return;
    }
    answerProblem(res, 503, "the batch could not be handed to Kafka; retry", 1);
  });
  return {
    app,
    close: () => producer.close(),
  };
}
