import type { IncomingMessage, ServerResponse } from "node:http";
import { createMemoryReplayStore } from "@org/webhook-verify";
import { withPagesWebhook } from "@org/webhook-verify/next";
import { countDuplicate, recordBatch, statsFor, webhookSecret } from "../../lib/store";

// Pages Router: the body parser must be off, with this exact line, for the verifier to see the raw bytes.
export const config = { api: { bodyParser: false } };

const post = withPagesWebhook(
  {
    secret: webhookSecret(),
    replayStore: createMemoryReplayStore(),
    onError: (error) => {
      if (error.code === "ERR_REPLAYED") countDuplicate("pages");
    },
  },
  (webhook, _req, response) => {
    recordBatch("pages", webhook.payload.events);
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ received: webhook.payload.events.length }));
  },
);

export default async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(statsFor("pages")));
    return;
  }
  await post(req, res);
}
