import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./public-functions.js";
import { createNodeAdapter, type NodeWebhookHandler } from "./node-adapter.js";

/**
 * A `node:http` request listener: verifies, answers refusals with a JSON problem (a duplicate with
 * `200 {"duplicate":true}`), and calls `handler` with the verified webhook. The listener's promise never
 * rejects, whatever the client or the handler does: a handler that throws gets a 500, `onError` hears of
 * it, and the request is released for the sender's retry.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function createNodeWebhookHandler(
  options: WebhookAdapterOptions,
  handler: NodeWebhookHandler<IncomingMessage>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return createNodeAdapter(createWebhookVerifier, options, handler);
}

export type { NodeWebhookHandler } from "./node-adapter.js";
export type { NodeRequest } from "./raw-body.js";
export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
