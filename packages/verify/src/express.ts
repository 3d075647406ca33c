import type { IncomingMessage, ServerResponse } from "node:http";
import { splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./public-functions.js";
import { settleWithResponse, verifyNodeRequest } from "./node-adapter.js";
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
export type WebhookMiddlewareRequest = IncomingMessage & {
  /** Set to the payload once verified; before, a body parser's result, which the middleware refuses unless raw. */
  body?: unknown;
  /** The raw bytes a body parser kept (`express.json({ verify })`), verified instead of `body`. */
  rawBody?: unknown;
  /** The verified webhook, set by the middleware before your handler runs. */
  webhook?: VerifiedWebhook;
};

/** An Express middleware (Express 4 and 5). */
export type WebhookMiddleware = (
  req: WebhookMiddlewareRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware that reads the raw body itself (capped at `maxBodyBytes`, within `bodyTimeoutMs`),
 * or takes the bytes a parser kept in `req.rawBody` (`express.json({ verify })`, NestJS `rawBody: true`),
 * verifies it, sets `req.webhook` and calls `next()`. Refusals are answered with 401, 400, 408, 413 or
 * 503 and a JSON problem body; a duplicate with `200 {"duplicate":true}`. The request is committed when
 * the response ends below 500, and released otherwise. A body parser that ran first without keeping the
 * bytes is misuse: `next(error)` with `ERR_BODY_ALREADY_PARSED`.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function webhookMiddleware(options: WebhookAdapterOptions): WebhookMiddleware {
  const settings = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(settings.verifierOptions);
  return (req, res, next) => {
    verifyNodeRequest(verifier, settings, req, res, true).then(
      (webhook) => {
        if (webhook === undefined) return;
        req.webhook = webhook;
        settleWithResponse(webhook, res);
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
