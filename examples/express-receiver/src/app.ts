import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { ReplayStore, WebhookVerificationError } from "@org/webhook-verify";
import { webhookMiddleware } from "@org/webhook-verify/express";
import type { EventStore } from "./postgres-store.js";
import { statsPage } from "./page.js";

export interface ReceiverOptions {
  /** The shared secret (WEBHOOK_SECRET). */
  secret: string;
  /** Where verified batches go, each once (see createPostgresStore). */
  store: EventStore;
  /**
   * Optional: acknowledges re-sent batches before they reach the database, and holds a retry off
   * (503) while the first delivery is still being stored. The database's unique keys decide either way.
   */
  replayStore?: ReplayStore | undefined;
  /** Sees every request that was refused, acknowledged as a duplicate, or whose handler failed. */
  onRefused?: ((error: WebhookVerificationError) => void) | undefined;
  /** Sees every database failure (the request was answered 500, and the sender will retry). */
  onFailure?: ((error: unknown) => void) | undefined;
}

/** The receiver: POST /webhook (verified, stored once), GET /stats (JSON, from the database), GET / (the live page). */
export function createReceiverApp(options: ReceiverOptions): Express {
  const { store } = options;
  const app = express();
  app.post(
    "/webhook",
    webhookMiddleware({
      secret: options.secret,
      replayStore: options.replayStore,
      onError: (error) => {
        if (error.code === "ERR_REPLAYED") store.countReplayed().catch(() => undefined);
        options.onRefused?.(error);
      },
    }),
    async (req, res) => {
      const webhook = req.webhook;
      if (webhook === undefined) throw new Error("webhookMiddleware did not run");
      // A failure here rejects: Express answers 500, the middleware releases its claim, the sender retries.
      const outcome = await store.storeBatch({
        webhookId: webhook.id,
        digest: webhook.digest,
        payload: webhook.payload,
      });
      if (outcome === "duplicate") res.status(200).json({ duplicate: true });
      else res.status(200).json({ received: webhook.payload.events.length });
    },
  );
  app.get("/stats", async (_req, res) => {
    res.json(await store.stats());
  });
  app.get("/", (_req, res) => {
    res.type("html").send(statsPage);
  });
  // Express's own handler would answer with the error's text (SQL, host names): say only what failed.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.onFailure?.(error);
    if (!res.headersSent) res.status(500).json({ title: "the receiver could not store or read the events; retry" });
  });
  return app;
}
