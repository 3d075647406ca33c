import { asVerificationError, handlerFailure, splitAdapterOptions } from "./adapter.js";
import type { AdapterSettings, WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./public-functions.js";
import type { WebhookVerificationError } from "./errors.js";
import { answerFor } from "./problem.js";
import { readRequestBody } from "./raw-body.js";
import type { VerifiedWebhook, WebhookVerifier } from "./webhook-verifier.js";

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
 * reads the raw body with a cap, verifies it with Web Crypto, answers refusals with a JSON problem (a
 * duplicate with `200 {"duplicate":true}`), and calls `handler` with the verified webhook. The returned
 * function never rejects: a handler that throws is answered 500 and reported to `onError`. The request
 * is committed when the handler answers below 500, released otherwise. `context` is optional.
 *
 * Options are checked on the first request (`options` may be a function of the context, for runtimes
 * such as Cloudflare Workers that hand the secret over per request as `env`); a bad option answers 500
 * and reaches `onError`.
 */
export function createFetchHandler<Context = undefined>(
  options: WebhookAdapterOptions | ((context: Context) => WebhookAdapterOptions),
  handler: FetchWebhookHandler<Context>,
): (request: Request, context?: Context) => Promise<Response> {
  const prepared = new WeakMap<object, { verifier: WebhookVerifier; settings: AdapterSettings }>();
  let fixed: { verifier: WebhookVerifier; settings: AdapterSettings } | undefined;
  const prepare = (context: Context) => {
    const resolved = typeof options === "function" ? options(context) : options;
    const cached = typeof options === "function" ? prepared.get(resolved) : fixed;
    if (cached !== undefined) return cached;
    const settings = splitAdapterOptions(resolved);
    const made = { verifier: createWebhookVerifier(settings.verifierOptions), settings };
    if (typeof options === "function") prepared.set(resolved, made);
    else fixed = made;
    return made;
  };
  return async (request, context) => {
    let made: { verifier: WebhookVerifier; settings: AdapterSettings };
    try {
      made = prepare(context as Context);
    } catch (error) {
      const failure = asVerificationError(error);
      (typeof options === "function" ? undefined : options.onError)?.(failure);
      return answerResponse(failure);
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
      await (response.status < 500 ? webhook.commit() : webhook.release());
      return response;
    } catch (error) {
      await webhook.release();
      const failure = handlerFailure(error);
      settings.onError(failure);
      return answerResponse(failure);
    }
  };
}

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
