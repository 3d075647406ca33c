import type { IncomingMessage, ServerResponse } from "node:http";
import { splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./api-node.js";
import { releaseOnServerError, verifyNodeRequest } from "./node-request.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types its request through this global namespace.
  namespace Express {
    interface Request {
      /** Set by `webhookMiddleware` once the request is verified. */
      webhook?: VerifiedWebhook;
    }
  }
}

/** The request as the middleware sees it (Express 4 and 5 pass a subtype). */
export type WebhookMiddlewareRequest = IncomingMessage & { body?: unknown; webhook?: VerifiedWebhook };

/** An Express middleware (Express 4 and 5). */
export type WebhookMiddleware = (req: WebhookMiddlewareRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Express middleware that reads the raw body itself (capped at `maxBodyBytes`), verifies it, sets
 * `req.webhook` and calls `next()`. Refusals are answered with 401, 400, 409, 413 or 503 and a JSON
 * problem body. A body parser that ran first is misuse: `next(error)` with `ERR_BODY_ALREADY_PARSED`.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function webhookMiddleware(options: WebhookAdapterOptions): WebhookMiddleware {
  const { verifierOptions, onError } = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(verifierOptions);
  return (req, res, next) => {
    verifyNodeRequest(verifier, req, res, onError).then(
      (webhook) => {
        if (webhook === undefined) return;
        req.webhook = webhook;
        releaseOnServerError(verifier, webhook, res);
        next();
      },
      (error: unknown) => {
        next(error);
      },
    );
  };
}

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
