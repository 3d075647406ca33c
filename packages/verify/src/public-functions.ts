import { nodeHmac } from "./crypto-node.js";
import { computeHmacWeb } from "./crypto-web.js";
import type { ComputeHmac } from "./hmac.js";
import { createSignatureApi, type SignatureApi } from "./signature-api.js";
import {
  createVerifierFactory,
  createVerifyWebhook,
  type VerifiedWebhook,
  type VerifyWebhookInput,
  type WebhookVerifier,
} from "./webhook-verifier.js";
import type { WebhookVerifierOptions } from "./options.js";

/** node:crypto where the runtime has it (synchronous, streams the body), Web Crypto everywhere else. */
export const computeHmac: ComputeHmac = nodeHmac() ?? computeHmacWeb;

// The public functions, bound to that HMAC. See SignatureApi and WebhookVerifier for their documentation.
const signatures = createSignatureApi(computeHmac);

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
  createVerifierFactory(computeHmac);

/**
 * Verifies one request: signature, timestamp, replay, then the payload.
 * @throws {WebhookVerificationError} with the `code` of the failed check.
 */
export const verifyWebhook: (input: VerifyWebhookInput) => Promise<VerifiedWebhook> =
  createVerifyWebhook(createWebhookVerifier);
