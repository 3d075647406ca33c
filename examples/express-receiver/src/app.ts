import express, { type Express } from "express";
import { createMemoryReplayStore, type ReplayStore, type WebhookVerificationError } from "@org/webhook-verify";
import { webhookMiddleware } from "@org/webhook-verify/express";
import { createEventStore, type EventStore } from "./event-store.js";
import { statsPage } from "./page.js";

export interface ReceiverOptions {
  /** The shared secret (WEBHOOK_SECRET). */
  secret: string;
  /** Where verified events go. @default an in-memory store */
  store?: EventStore;
  /** Refuses replayed requests; share one (Redis) between replicas. @default in memory */
  replayStore?: ReplayStore;
  /** Sees every refused request. */
  onRefused?: (error: WebhookVerificationError) => void;
}

/** The receiver: POST /webhook (verified), GET /stats (JSON), GET / (the live page). */
export function createReceiverApp(options: ReceiverOptions): Express & { store: EventStore } {
  const store = options.store ?? createEventStore();
  const app = express();
  app.post(
    "/webhook",
    webhookMiddleware({
      secret: options.secret,
      replayStore: options.replayStore ?? createMemoryReplayStore(),
      ...(options.onRefused === undefined ? {} : { onError: options.onRefused }),
    }),
    (req, res) => {
      const webhook = req.webhook;
      if (webhook === undefined) throw new Error("webhookMiddleware did not run");
      // A re-sent batch (same webhook-id) is acknowledged but not counted twice.
      const fresh = store.addBatch(webhook.id, webhook.payload.events);
      res.status(200).json({ received: webhook.payload.events.length, duplicate: !fresh });
    },
  );
  app.get("/stats", (_req, res) => {
    res.json(store.stats());
  });
  app.get("/", (_req, res) => {
    res.type("html").send(statsPage);
  });
  return Object.assign(app, { store });
}
