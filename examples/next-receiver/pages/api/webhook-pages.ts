import type { IncomingMessage, ServerResponse } from "node:http";
import { createMemoryReplayStore } from "@org/webhook-verify";
import { withPagesWebhook } from "@org/webhook-verify/next";
import { recordBatch, statsFor, webhookSecret } from "../../lib/store";

// Pages Router: the body parser must be off, with this exact line, for the verifier to see the raw bytes.
export const config = { api: { bodyParser: false } };

let post: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

export default async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(statsFor("pages")));
    return;
  }
  post ??= withPagesWebhook({ secret: webhookSecret(), replayStore: createMemoryReplayStore() }, (webhook, _req, response) => {
    const fresh = recordBatch("pages", webhook.id, webhook.payload.events);
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: webhook.payload.events.length, duplicate: !fresh }));
  });
  await post(req, res);
}
