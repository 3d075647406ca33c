import { createMemoryReplayStore } from "@org/webhook-verify";
import { withWebhook } from "@org/webhook-verify/next";
import { countDuplicate, recordBatch, statsFor, webhookSecret } from "./store";

/** POST (verified) and GET (counts) for one App Router route; the same code serves both runtimes. */
export function webhookRoute(route: string) {
  const POST = withWebhook(
    {
      secret: webhookSecret(),
      replayStore: createMemoryReplayStore(),
      onError: (error) => {
        if (error.code === "ERR_REPLAYED") countDuplicate(route);
      },
    },
    (webhook) => {
      recordBatch(route, webhook.payload.events);
      return Response.json({ received: webhook.payload.events.length });
    },
  );
  return { POST, GET: (): Response => Response.json(statsFor(route)) };
}
