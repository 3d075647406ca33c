import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./public-functions.js";
import { createFetchHandler, type FetchWebhookHandler } from "./fetch.js";
import { createNodeAdapter, type NodeWebhookHandler } from "./node-adapter.js";

// Nothing here imports a Node module at run time (the HMAC is node:crypto where the runtime has it,
// Web Crypto in the Edge runtime), so one import serves App Router routes in the Node.js and Edge
// runtimes, and Pages Router API routes.

/**
 * Wraps an App Router route handler (`app/api/webhook/route.ts`): `export const POST = withWebhook(
 * options, (webhook, request) => Response.json({ ok: true }))`. Works in the Node.js and Edge runtimes.
 * Options are checked on the first request, not at import, so `next build` passes where the secret is
 * not set; a bad option then answers 500 and reaches `onError`. The Edge runtime keeps 10 MB of a body:
 * a larger batch is answered 413 (`ERR_BODY_TOO_LARGE`); use the Node.js runtime for those.
 */
export function withWebhook<Context = unknown>(
  options: WebhookAdapterOptions,
  handler: FetchWebhookHandler<Context>,
): (request: Request, context?: Context) => Promise<Response> {
  return createFetchHandler(options, handler);
}

/** What runs once a Pages Router request is verified. */
export type PagesWebhookHandler = NodeWebhookHandler<PagesRequest>;

/** A Pages Router request. */
export type PagesRequest = IncomingMessage & {
  /** Set to the verified payload (Next's own body parser must be off). */
  body?: unknown;
};

/**
 * Wraps a Pages Router API route (`pages/api/webhook.ts`). The route must also turn Next's body parser
 * off, with this exact line (Next reads it statically): `export const config = { api: { bodyParser: false } };`
 * Without it, the request is answered 500 and `onError` hears `ERR_BODY_ALREADY_PARSED`. Options are
 * checked on the first request, not at import, so `next build` passes where the secret is not set.
 */
export function withPagesWebhook(
  options: WebhookAdapterOptions,
  handler: PagesWebhookHandler,
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => Promise<void> {
  return createNodeAdapter(createWebhookVerifier, options, handler, true);
}

export type { FetchWebhookHandler } from "./fetch.js";
export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
