import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./api-web.js";
import { createFetchHandler, type FetchWebhookHandler } from "./fetch.js";
import { createNodeAdapter, type NodeWebhookHandler } from "./node-request.js";

// Everything here uses Web Crypto and no Node module at run time, so one import serves App Router
// routes in the Node.js runtime and in the Edge runtime, and Pages Router API routes.

/**
 * Wraps an App Router route handler (`app/api/webhook/route.ts`): `export const POST = withWebhook(
 * options, (webhook, request) => Response.json({ ok: true }))`. Works in the Node.js and Edge runtimes.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function withWebhook<Context = unknown>(
  options: WebhookAdapterOptions,
  handler: FetchWebhookHandler<Context>,
): (request: Request, context: Context) => Promise<Response> {
  return createFetchHandler(options, handler);
}

/** What runs once a Pages Router request is verified. */
export type PagesWebhookHandler = NodeWebhookHandler<IncomingMessage & { body?: unknown }>;

/**
 * Wraps a Pages Router API route (`pages/api/webhook.ts`). The route must also turn Next's body parser
 * off, with this exact line (Next reads it statically): `export const config = { api: { bodyParser: false } };`
 * Without it, the request fails loudly with `ERR_BODY_ALREADY_PARSED`.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function withPagesWebhook(
  options: WebhookAdapterOptions,
  handler: PagesWebhookHandler,
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => Promise<void> {
  return createNodeAdapter(createWebhookVerifier, options, handler);
}

export type { FetchWebhookHandler } from "./fetch.js";
export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
