import { releaseAfterFailure, refusalFor, splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./api-web.js";
import type { WebhookProblem } from "./problem.js";
import { readRequestBody } from "./raw-body.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

/** What runs once a request is verified: it gets the webhook, the request and the framework's context. */
export type FetchWebhookHandler<Context> = (
  webhook: VerifiedWebhook,
  request: Request,
  context: Context,
) => Response | Promise<Response>;

function problemResponse(problem: WebhookProblem): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json" },
  });
}

/**
 * Wraps a `Request -> Response` handler (Hono, Bun, Deno, Cloudflare Workers, Next.js App Router):
 * reads the raw body with a cap, verifies it with Web Crypto, answers refusals with a JSON problem,
 * and calls `handler` with the verified webhook. When the handler throws or answers 5xx, the batch id
 * is released so that the sender's retry is accepted.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at creation, naming the bad option.
 */
export function createFetchHandler<Context = undefined>(
  options: WebhookAdapterOptions,
  handler: FetchWebhookHandler<Context>,
): (request: Request, context: Context) => Promise<Response> {
  const { verifierOptions, onError } = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(verifierOptions);
  return async (request, context) => {
    let webhook: VerifiedWebhook;
    try {
      const body = await readRequestBody(request, verifier.options.maxBodyBytes);
      webhook = await verifier.verify({ body, headers: request.headers });
    } catch (error) {
      return problemResponse(refusalFor(error, onError));
    }
    try {
      const response = await handler(webhook, request, context);
      if (response.status >= 500) releaseAfterFailure(verifier, webhook);
      return response;
    } catch (error) {
      releaseAfterFailure(verifier, webhook);
      throw error;
    }
  };
}

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
