import type { FastifyInstance, FastifyPluginCallback } from "fastify";
import { refusalFor, releaseAfterFailure, splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import { createWebhookVerifier } from "./api-node.js";
import { WebhookVerificationError } from "./errors.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `webhookPlugin` once the request is verified. */
    webhook?: VerifiedWebhook;
  }
}

/**
 * A Fastify plugin (Fastify 4 and 5) that verifies every route of the scope it is registered in. It
 * replaces the scope's JSON parser with one that keeps the raw bytes (capped at `maxBodyBytes`: a 413
 * past it), verifies in a `preHandler` hook, sets `request.webhook`, and answers refusals with the
 * same JSON problem body as the other adapters. Register it in its own scope:
 *
 * ```ts
 * app.register(async (scope) => {
 *   await scope.register(webhookPlugin, { secret });
 *   scope.post("/webhook", async (request) => ({ received: request.webhook!.payload.events.length }));
 * });
 * ```
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at registration, naming the bad option.
 */
export const webhookPlugin: FastifyPluginCallback<WebhookAdapterOptions> = (scope: FastifyInstance, options, done) => {
  const { verifierOptions, onError } = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(verifierOptions);
  scope.removeContentTypeParser("application/json");
  // The signature covers the exact bytes: hand them over unparsed.
  scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: verifier.options.maxBodyBytes }, (_request, body, parsed) => {
    parsed(null, body);
  });
  scope.addHook("preHandler", async (request, reply) => {
    if (!(request.body instanceof Uint8Array)) {
      throw new WebhookVerificationError("ERR_BODY_ALREADY_PARSED", "webhookPlugin needs the raw application/json body; another content-type parser handled this request");
    }
    try {
      request.webhook = await verifier.verify({ body: request.body, headers: request.headers });
    } catch (error) {
      const problem = refusalFor(error, onError);
      return reply.code(problem.status).type("application/problem+json").send(problem);
    }
    return undefined;
  });
  scope.addHook("onResponse", async (request, reply) => {
    if (request.webhook !== undefined && reply.statusCode >= 500) releaseAfterFailure(verifier, request.webhook);
    return Promise.resolve();
  });
  done();
};

// Like fastify-plugin: the parser and hooks apply to the scope that registers the plugin, not only to
// the plugin's own (empty) child scope.
Object.assign(webhookPlugin, { [Symbol.for("skip-override")]: true, [Symbol.for("fastify.display-name")]: "@org/webhook-verify" });

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
