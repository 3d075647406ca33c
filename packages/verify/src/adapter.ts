import { configError, WebhookVerificationError } from "./errors.js";
import type { WebhookVerifierOptions } from "./options.js";
import { createMemoryReplayStore } from "./replay-store.js";
import type { VerifiedWebhook } from "./webhook-verifier.js";

/** Options of every framework adapter: the verifier's, plus the adapter's own. */
export interface WebhookAdapterOptions extends WebhookVerifierOptions {
  /**
   * Told of every request that did not end well: refusals, duplicates, a client that hung up, a handler
   * that threw (`ERR_HANDLER_FAILED`, with its error as `cause`). The answer is sent either way; nothing
   * reaches the client but a fixed problem body.
   */
  onError?: ((error: WebhookVerificationError) => void) | undefined;
  /**
   * How long the whole body may take to arrive; past it the request is answered 408 and its socket freed
   * (a client sending one byte a second holds nothing for long). Node adapters only.
   * @default 30000
   */
  bodyTimeoutMs?: number | undefined;
}

/** The adapter's own options, checked. */
export interface AdapterSettings {
  verifierOptions: WebhookVerifierOptions;
  onError: (error: WebhookVerificationError) => void;
  bodyTimeoutMs: number;
}

export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/** Splits the adapter's own options from the verifier's, checking them. */
export function splitAdapterOptions(options: WebhookAdapterOptions): AdapterSettings {
  if (typeof (options as unknown) !== "object" || (options as unknown) === null)
    throw configError("options", "must be an object");
  const { onError, bodyTimeoutMs, ...verifierOptions } = options;
  if (onError !== undefined && typeof onError !== "function") throw configError("onError", "must be a function");
  if (
    bodyTimeoutMs !== undefined &&
    (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0 || bodyTimeoutMs > 2 ** 31 - 1)
  ) {
    throw configError("bodyTimeoutMs", "must be a positive integer of milliseconds, at most 2147483647");
  }
  const { replayStore } = verifierOptions;
  return {
    // Replay protection by default: an adapter commits and releases every claim itself.
    verifierOptions: {
      ...verifierOptions,
      replayStore: replayStore ?? createMemoryReplayStore({ whenFull: "forget-oldest" }),
    },
    onError: guardedOnError(onError),
    bodyTimeoutMs: bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  };
}

/** The user's `onError` (anything given there), called so that it can never throw into an adapter. */
export function guardedOnError(onError: unknown): (error: WebhookVerificationError) => void {
  return (error) => {
    if (typeof onError !== "function") return;
    try {
      (onError as (error: WebhookVerificationError) => void)(error);
    } catch {
      // A throwing onError must not turn an answer into a crash.
    }
  };
}

/** Any failure before the handler, as a verification error (an unexpected one becomes `ERR_INTERNAL`). */
export function asVerificationError(error: unknown): WebhookVerificationError {
  if (error instanceof WebhookVerificationError) return error;
  return new WebhookVerificationError("ERR_INTERNAL", "an unexpected error while verifying the request", {
    cause: error,
  });
}

/** The handler's failure, for `onError`. */
export function handlerFailure(error: unknown): WebhookVerificationError {
  return new WebhookVerificationError("ERR_HANDLER_FAILED", "the webhook handler threw or rejected", { cause: error });
}

/**
 * The one rule every adapter settles a request by: an answer below 500 commits it (a re-delivery is
 * then a duplicate); a 5xx, or no answer at all (`undefined`: the handler failed, the client left),
 * releases it, so that the sender's retry is processed.
 */
export function settleByStatus(webhook: VerifiedWebhook, status: number | undefined): Promise<void> {
  return status !== undefined && status < 500 ? webhook.commit() : webhook.release();
}
