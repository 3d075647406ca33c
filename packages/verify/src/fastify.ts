import { Readable } from "node:stream";
import type { FastifyPluginCallback, FastifyReply } from "fastify";
import fastifyPlugin from "fastify-plugin";
import {
  asVerificationError,
  handlerFailure,
  settleByStatus,
  splitAdapterOptions,
  type WebhookAdapterOptions,
} from "./adapter.js";
import { createWebhookVerifier } from "./public-functions.js";
import type { WebhookVerificationError } from "./errors.js";
import { answerFor, isMisuse } from "./problem.js";
import { readNodeBody } from "./raw-body.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `webhookPlugin` on the routes that opt in (`config: { webhook: true }`), once the request is verified. */
    webhook?: VerifiedWebhook;
  }
  interface FastifyContextConfig {
    /** Verify this route's requests with `webhookPlugin`. */
    webhook?: boolean;
  }
}

/** The content type a verified request is handed to Fastify's parsing under: its body is the payload, parsed once. */
const VERIFIED_CONTENT_TYPE = "application/x-org-webhook-verified";

function send(reply: FastifyReply, error: WebhookVerificationError): FastifyReply {
  const answer = answerFor(error);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

// The plugin itself; registered through fastify-plugin below (see webhookPlugin).
const plugin: FastifyPluginCallback<WebhookAdapterOptions> = (fastify, options, done) => {
  const settings = splitAdapterOptions(options);
  const verifier = createWebhookVerifier(settings.verifierOptions);
  fastify.addContentTypeParser(VERIFIED_CONTENT_TYPE, (request, _payload, parsed) => {
    parsed(null, request.webhook?.payload);
  });
  fastify.addHook("preParsing", async (request, reply, payload) => {
    if (request.routeOptions.config.webhook !== true) return payload;
    try {
      const body = await readNodeBody(request.raw, verifier.options.maxBodyBytes, settings.bodyTimeoutMs);
      request.webhook = await verifier.verify({ body, headers: request.headers });
    } catch (caught) {
      const error = asVerificationError(caught);
      if (isMisuse(error)) throw error;
      settings.onError(error);
      return send(reply, error);
    }
    // The bytes are read and the payload parsed: Fastify's parsing step only hands the payload over.
    request.raw.headers["content-type"] = VERIFIED_CONTENT_TYPE;
    return Readable.from([]);
  });
  // A webhook route's handler that throws is answered with the fixed problem body (Fastify's default
  // answer would carry the error's message) and reported; the request is then released (a 5xx).
  fastify.addHook("onRoute", (route) => {
    if (route.config?.webhook !== true) return;
    const original = route.handler;
    route.handler = async function (this: unknown, request, reply) {
      try {
        return await (original as (this: unknown, ...args: unknown[]) => unknown).call(this, request, reply);
      } catch (error) {
        const failure = handlerFailure(error);
        settings.onError(failure);
        return send(reply, failure);
      }
    };
  });
  // Settled as the answer goes out, so that the sender's next request already finds the commit.
  fastify.addHook("onSend", async (request, reply, payload) => {
    if (request.webhook !== undefined) await settleByStatus(request.webhook, reply.statusCode);
    return payload;
  });
  fastify.addHook("onRequestAbort", async (request) => {
    if (request.webhook !== undefined) await settleByStatus(request.webhook, undefined);
  });
  done();
};

/**
 * A Fastify plugin (Fastify 4.26+ and 5) that verifies the routes that opt in with
 * `config: { webhook: true }`; every other route, and Fastify's JSON parser, are left as they were.
 * On a webhook route it reads the raw bytes before any parser (capped at `maxBodyBytes`, within
 * `bodyTimeoutMs`), verifies them, sets `request.webhook` and `request.body` (the payload, parsed
 * once), and answers refusals with the same JSON problem body as the other adapters (a duplicate with
 * `200 {"duplicate":true}`). A handler that throws is answered 500 with that body and reported to
 * `onError`. The request is committed when the answer is below 500, released otherwise. Register it
 * before the routes that opt in.
 *
 * ```ts
 * await app.register(webhookPlugin, { secret });
 * app.post("/webhook", { config: { webhook: true } }, async (request) => ({ received: request.webhook!.payload.events.length }));
 * ```
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` at registration, naming the bad option.
 */
export const webhookPlugin: FastifyPluginCallback<WebhookAdapterOptions> = fastifyPlugin(plugin, {
  fastify: ">=4.26",
  name: "@org/webhook-verify",
});

export type { WebhookAdapterOptions } from "./adapter.js";
export type { VerifiedWebhook } from "./webhook-verifier.js";
