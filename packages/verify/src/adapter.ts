import { configError, WebhookVerificationError } from "./errors.js";
import type { WebhookVerifierOptions } from "./options.js";
import { isMisuse, problemFor, type WebhookProblem } from "./problem.js";
import type { VerifiedWebhook, WebhookVerifier } from "./webhook-verifier.js";

/** Options of every framework adapter: the verifier's, plus a hook to see refusals. */
export interface WebhookAdapterOptions extends WebhookVerifierOptions {
  /** Called with each refused request's error (for logs and metrics); the answer is sent either way. */
  onError?: ((error: WebhookVerificationError) => void) | undefined;
}

/** Splits the adapter's own option from the verifier's, checking it. */
export function splitAdapterOptions(options: WebhookAdapterOptions): {
  verifierOptions: WebhookVerifierOptions;
  onError: ((error: WebhookVerificationError) => void) | undefined;
} {
  const { onError, ...verifierOptions } = options;
  if (onError !== undefined && typeof onError !== "function") throw configError("onError", "must be a function");
  return { verifierOptions, onError };
}

/**
 * The problem to answer for a failed verification, or a rethrow for what is not a refusal: misuse
 * (a body parser ran first, bad options) and unexpected errors must reach the developer.
 */
export function refusalFor(error: unknown, onError: ((error: WebhookVerificationError) => void) | undefined): WebhookProblem {
  if (!(error instanceof WebhookVerificationError) || isMisuse(error)) throw error;
  onError?.(error);
  return problemFor(error);
}

/**
 * After the handler failed (threw, or answered 5xx), forgets the batch's id so that the sender's retry
 * is processed instead of refused as a replay: at-least-once delivery holds.
 */
export function releaseAfterFailure(verifier: WebhookVerifier, webhook: VerifiedWebhook): void {
  const store = verifier.options.replayStore;
  if (store?.forget === undefined || webhook.id === undefined) return;
  store.forget(webhook.id).catch(() => undefined);
}
