import { createMemoryReplayStore } from "@org/webhook-verify/web";
import { withWebhook } from "@org/webhook-verify/next";
import { recordBatch, statsFor, webhookSecret } from "./store";

/** POST (verified) and GET (counts) for one App Router route; the same code serves both runtimes. */
export function webhookRoute(route: string) {
  let post: ((request: Request, context: unknown) => Promise<Response>) | undefined;
  return {
    POST: (request: Request, context: unknown): Promise<Response> => {
      post ??= withWebhook({ secret: webhookSecret(), replayStore: createMemoryReplayStore() }, (webhook) => {
        const fresh = recordBatch(route, webhook.id, webhook.payload.events);
        return Response.json({ received: webhook.payload.events.length, duplicate: !fresh });
      });
      return post(request, context);
    },
    GET: (): Response => Response.json(statsFor(route)),
  };
}
