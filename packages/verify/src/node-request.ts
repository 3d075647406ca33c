import type { ServerResponse } from "node:http";
import { releaseAfterFailure, refusalFor } from "./adapter.js";
import type { WebhookVerificationError } from "./errors.js";
import { readNodeBody, type NodeRequest } from "./raw-body.js";
import type { WebhookProblem } from "./problem.js";
import type { VerifiedWebhook, WebhookVerifier } from "./webhook-verifier.js";

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
