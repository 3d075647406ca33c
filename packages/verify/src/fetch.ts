import { asVerificationError, handlerFailure, settleByStatus } from "./adapter.js";
import type { WebhookAdapterOptions } from "./adapter.js";
import { createAdapterSetup, type PreparedAdapter } from "./adapter-setup.js";
import { createWebhookVerifier } from "./public-functions.js";
import type { WebhookVerificationError } from "./errors.js";
import { answerFor } from "./problem.js";
import { readRequestBody } from "./raw-body.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

/** What runs once a request is verified: it gets the webhook, the request and the framework's context. */
export type FetchWebhookHandler<Context> = (
  webhook: VerifiedWebhook,
  request: Request,
  context: Context,
) => Response | Promise<Response>;

function answerResponse(error: WebhookVerificationError): Response {
  const answer = answerFor(error);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Wraps a `Request -> Response` handler (Hono, Bun, Deno, Cloudflare Workers, Next.js App Router):
 * reads the raw body with a cap, verifies it (with `node:crypto` where the runtime has it, as on Node,
 * Bun, Deno and Workers with `nodejs_compat`; Web Crypto elsewhere), answers refusals with a JSON problem (a
 * duplicate with `200 {"duplicate":true}`), and calls `handler` with the verified webhook. The returned
 * function never rejects: a handler that throws is answered 500 and reported to `onError`. The request
 * is committed when the handler answers below 500, released otherwise. `context` is optional.
 *
 * Options are checked on the first request. `options` may be a function of the context, for runtimes
 * such as Cloudflare Workers that hand the secret over as `env`: it is called once per context object,
 * so create a replay store outside it (a different store for another context is warned about). A bad
 * option answers 500 and reaches the `onError` the options name.
 */
export function createFetchHandler<Context = undefined>(
  options: WebhookAdapterOptions | ((context: Context) => WebhookAdapterOptions),
  handler: FetchWebhookHandler<Context>,
): (request: Request, context?: Context) => Promise<Response> {
  const setup = createAdapterSetup(createWebhookVerifier, options);
  return async (request, context) => {
    let made: PreparedAdapter;
    try {
      made = setup.prepare(context as Context);
    } catch (error) {
      return answerResponse(asVerificationError(error));
    }
    const { verifier, settings } = made;
    let webhook: VerifiedWebhook;
    try {
      const body = await readRequestBody(request, verifier.options.maxBodyBytes);
      webhook = await verifier.verify({ body, headers: request.headers });
    } catch (caught) {
      const error = asVerificationError(caught);
      settings.onError(error);
      return answerResponse(error);
    }
    try {
      const response = await handler(webhook, request, context as Context);
      await settleByStatus(webhook, response.status);
      return response;
    } catch (error) {
      await settleByStatus(webhook, undefined);
      const failure = handlerFailure(error);
      settings.onError(failure);
      return answerResponse(failure);
    }
  };
}

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
