import { computeHmacNode } from "./crypto-node.js";
import { createSignatureApi, type SignatureApi } from "./signature-api.js";
import {
  createVerifierFactory,
  createVerifyWebhook,
  type VerifiedWebhook,
  type VerifyWebhookInput,
  type WebhookVerifier,
} from "./webhook-verifier.js";
import type { WebhookVerifierOptions } from "./options.js";

// The public functions, bound to node:crypto. See SignatureApi and WebhookVerifier for their documentation.
const signatures = createSignatureApi(computeHmacNode);

/** @see SignatureApi.verifySignature */
export const verifySignature: SignatureApi["verifySignature"] = signatures.verifySignature;
/** @see SignatureApi.findMatchingSecret */
export const findMatchingSecret: SignatureApi["findMatchingSecret"] = signatures.findMatchingSecret;
/** @see SignatureApi.signPayload */
export const signPayload: SignatureApi["signPayload"] = signatures.signPayload;
/** @see SignatureApi.signStandardWebhook */
export const signStandardWebhook: SignatureApi["signStandardWebhook"] = signatures.signStandardWebhook;

/**
 * Checks the options once and returns a verifier to call per request.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` naming the bad option.
 */
export const createWebhookVerifier: (options: WebhookVerifierOptions) => WebhookVerifier =
  createVerifierFactory(computeHmacNode);

/**
 * Verifies one request: signature, timestamp, replay, then the payload.
 * @throws {WebhookVerificationError} with the `code` of the failed check.
 */
export const verifyWebhook: (input: VerifyWebhookInput) => Promise<VerifiedWebhook> =
  createVerifyWebhook(createWebhookVerifier);
