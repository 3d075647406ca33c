import type { ServerResponse } from "node:http";
import { asVerificationError, handlerFailure, settleByStatus } from "./adapter.js";
import type { AdapterSettings, WebhookAdapterOptions } from "./adapter.js";
import { createAdapterSetup, type PreparedAdapter } from "./adapter-setup.js";
import type { WebhookVerificationError } from "./errors.js";
import type { WebhookVerifierOptions } from "./options.js";
import { answerFor, isMisuse } from "./problem.js";
import { readNodeBody, type NodeRequest } from "./raw-body.js";
import type { VerifiedWebhook, WebhookVerifier } from "./webhook-verifier.js";

/** Writes an answer unless one was sent or the client is gone; never throws. */
export function sendAnswer(res: ServerResponse, error: WebhookVerificationError): void {
  if (res.headersSent || res.destroyed) return;
  const answer = answerFor(error);
  try {
    res.writeHead(answer.status, answer.headers).end(answer.body);
  } catch {
    // The socket went away between the check and the write: nobody is left to answer.
  }
}

/**
 * Reads and verifies a Node request. Resolves the verified webhook, or `undefined` once the request
 * was answered (a refusal, a duplicate, a client that hung up). With `passMisuse`, misuse rejects
 * (for frameworks with an error handler); otherwise it is answered 500 and reported.
 */
export async function verifyNodeRequest(
  verifier: WebhookVerifier,
  settings: AdapterSettings,
  req: NodeRequest,
  res: ServerResponse,
  passMisuse = false,
): Promise<VerifiedWebhook | undefined> {
  try {
    const body = await readNodeBody(req, verifier.options.maxBodyBytes, settings.bodyTimeoutMs);
    return await verifier.verify({ body, headers: req.headers });
  } catch (caught) {
    const error = asVerificationError(caught);
    if (passMisuse && isMisuse(error)) throw error;
    settings.onError(error);
    sendAnswer(res, error);
    return undefined;
  }
}

/**
 * Commits the request once the response is written below 500 (before the client can read it, so its
 * next request already finds the commit); releases it on a 5xx, or when the response never ends (the
 * handler failed, or the client went away first), so that the sender's retry is processed.
 */
export function settleWithResponse(webhook: VerifiedWebhook, res: ServerResponse): void {
  const settle = () => {
    res.off("finish", settle);
    res.off("close", settle);
    void settleByStatus(webhook, res.writableFinished ? res.statusCode : undefined);
  };
  res.once("finish", settle);
  res.once("close", settle);
}

/** What runs once a Node request is verified. */
export type NodeWebhookHandler<Req extends NodeRequest = NodeRequest> = (
  webhook: VerifiedWebhook,
  req: Req,
  res: ServerResponse,
) => void | Promise<void>;

/**
 * A Node request listener around `handler`, over the given verifier factory (Node or Web crypto): it
 * verifies, answers refusals, and calls the handler. The returned promise never rejects: a handler that
 * throws gets a 500 (unless it answered already), `onError` hears of it, and the request is released
 * for the sender's retry. Options are checked on the first request when `lazy` (so that a build
 * without the secret set does not fail at import), else at creation.
 */
export function createNodeAdapter<Req extends NodeRequest>(
  createVerifier: (options: WebhookVerifierOptions) => WebhookVerifier,
  options: WebhookAdapterOptions,
  handler: NodeWebhookHandler<Req>,
  lazy = false,
): (req: Req, res: ServerResponse) => Promise<void> {
  const setup = createAdapterSetup<undefined>(createVerifier, options);
  if (!lazy) setup.prepare(undefined, { report: false });
  return async (req, res) => {
    let prepared: PreparedAdapter;
    try {
      prepared = setup.prepare(undefined);
    } catch (error) {
      sendAnswer(res, asVerificationError(error));
      return;
    }
    const { verifier, settings } = prepared;
    const webhook = await verifyNodeRequest(verifier, settings, req, res);
    if (webhook === undefined) return;
    settleWithResponse(webhook, res);
    try {
      await handler(webhook, req, res);
    } catch (error) {
      const failure = handlerFailure(error);
      settings.onError(failure);
      sendAnswer(res, failure);
    }
  };
}
