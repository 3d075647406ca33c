import type { ServerResponse } from "node:http";
import { releaseAfterFailure, refusalFor, splitAdapterOptions, type WebhookAdapterOptions } from "./adapter.js";
import type { WebhookVerificationError } from "./errors.js";
import { readNodeBody, type NodeRequest } from "./raw-body.js";
import type { WebhookProblem } from "./problem.js";
import type { VerifiedWebhook, WebhookVerifier } from "./webhook-verifier.js";
import type { WebhookVerifierOptions } from "./options.js";

/** Writes a refusal as `application/problem+json`; a 413 also closes the connection (the body was not read). */
export function sendProblem(res: ServerResponse, problem: WebhookProblem): void {
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (problem.status === 413) headers.connection = "close";
  res.writeHead(problem.status, headers).end(JSON.stringify(problem));
}

/**
 * Reads, verifies and answers a refusal on a Node request. Resolves the verified webhook, or
 * `undefined` once a refusal was sent. Misuse rejects.
 */
export async function verifyNodeRequest(
  verifier: WebhookVerifier,
  req: NodeRequest,
  res: ServerResponse,
  onError: ((error: WebhookVerificationError) => void) | undefined,
): Promise<VerifiedWebhook | undefined> {
  try {
    const body = await readNodeBody(req, verifier.options.maxBodyBytes);
    return await verifier.verify({ body, headers: req.headers });
  } catch (error) {
    sendProblem(res, refusalFor(error, onError));
    return undefined;
  }
}

/** Releases the batch id when the response ends in a 5xx, or never ends (the handler failed). */
export function releaseOnServerError(verifier: WebhookVerifier, webhook: VerifiedWebhook, res: ServerResponse): void {
  res.once("close", () => {
    if (!res.writableFinished || res.statusCode >= 500) releaseAfterFailure(verifier, webhook);
  });
}

/** What runs once a Node request is verified. */
export type NodeWebhookHandler<Req extends NodeRequest = NodeRequest> = (webhook: VerifiedWebhook, req: Req, res: ServerResponse) => void | Promise<void>;

/**
 * A Node request listener around `handler`, over the given verifier factory (Node or Web crypto): it
 * verifies, answers refusals, and calls the handler. A handler that throws gets a 500 (unless it
 * answered already), the batch id is released for the sender's retry, and the error is rethrown.
 */
export function createNodeAdapter<Req extends NodeRequest>(
  createVerifier: (options: WebhookVerifierOptions) => WebhookVerifier,
  options: WebhookAdapterOptions,
  handler: NodeWebhookHandler<Req>,
): (req: Req, res: ServerResponse) => Promise<void> {
  const { verifierOptions, onError } = splitAdapterOptions(options);
  const verifier = createVerifier(verifierOptions);
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
