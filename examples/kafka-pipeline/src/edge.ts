// The edge: verifies each webhook with @org/webhook-verify and produces the batch, as it arrived, as one
// Kafka message. It answers 2xx only once the brokers acknowledged the message (acks=all, so every
// in-sync replica holds it), so a batch the sender was told is delivered is on min.insync.replicas brokers.
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { ProduceAcks, Producer, stringSerializer, type MessageToProduce } from "@platformatic/kafka";
import type { WebhookVerificationError } from "@org/webhook-verify";
import { webhookMiddleware } from "@org/webhook-verify/express";
import { answerProblem } from "./problem.js";
import { createSerialSender } from "./serial-sender.js";

/** Header names of each message, as the sink reads them. */
export const HEADERS = {
  webhookId: "webhook-id",
  digest: "body-digest",
  scheme: "scheme",
  receivedAt: "received-at",
} as const;

/** The most a batch may weigh: GO Feature Flag's default batches are about 18 MB; ours 5 MiB. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

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
}

export interface Edge {
  app: Express;
  /** Closes the producer, once the server stopped taking requests. */
  close(): Promise<void>;
}

/** A raw body kept beside the one the verifier reads, to produce the exact bytes that were signed. */
type RawRequest = Request & { rawBody?: Buffer };

type BatchProducer = Producer<string, Buffer, string, string>;

function createProducer(options: EdgeOptions): BatchProducer {
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
  let producer = createProducer(options);
  /**
   * After a failed send the producer's sequence numbers may no longer match the brokers' (a broker died
   * with sends in flight), and every later send would fail: the next request gets a new producer, a new
   * idempotent session. The failed batch is answered 503 and re-sent by its sender, a new message.
   */
  const produce = createSerialSender<MessageToProduce<string, Buffer, string, string>>(async (messages) => {
    try {
      await producer.send({ messages });
    } catch (error) {
      const failed = producer;
      producer = createProducer(options);
      failed.close().catch(() => undefined);
      throw error;
    }
  });
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
    answerProblem(res, 503, "the batch could not be handed to Kafka; retry", 1);
  });
  return {
    app,
    close: () => producer.close(),
  };
}
