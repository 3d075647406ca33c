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
  /** Processes each batch once and acknowledges re-sent ones; share one (Redis) between replicas. @default in memory */
  replayStore?: ReplayStore;
  /** Sees every request that was refused, acknowledged as a duplicate, or whose handler failed. */
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
      // A re-sent batch (same body, or same signed webhook-id) is answered 200 {"duplicate":true} by the
      // middleware, before this handler: it is never counted twice.
      replayStore: options.replayStore ?? createMemoryReplayStore(),
      onError: (error) => {
        if (error.code === "ERR_REPLAYED") store.countDuplicate();
        options.onRefused?.(error);
      },
    }),
    (req, res) => {
      const webhook = req.webhook;
      if (webhook === undefined) throw new Error("webhookMiddleware did not run");
      store.addBatch(webhook.payload.events);
      res.status(200).json({ received: webhook.payload.events.length });
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
