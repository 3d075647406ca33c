import type { IncomingMessage, ServerResponse } from "node:http";
import { splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./api-node.js";
import { releaseOnServerError, verifyNodeRequest } from "./node-request.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

/** What runs once a request is verified. */
export type NodeWebhookHandler = (webhook: VerifiedWebhook, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * A `node:http` request listener: verifies, answers refusals with a JSON problem, and calls `handler`
 * with the verified webhook. A handler that throws gets a 500 and the batch id is released for the retry.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function createNodeWebhookHandler(
  options: WebhookAdapterOptions,
  handler: NodeWebhookHandler,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { verifierOptions, onError } = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(verifierOptions);
  return async (req, res) => {
    const webhook = await verifyNodeRequest(verifier, req, res, onError);
    if (webhook === undefined) return;
    releaseOnServerError(verifier, webhook, res);
    try {
      await handler(webhook, req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end();
      throw error;
    }
  };
}

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
