export {
  createWebhookVerifier,
  findMatchingSecret,
  signPayload,
  signStandardWebhook,
  verifySignature,
  verifyWebhook,
} from "./public-functions.js";
export type {
  SignatureApi,
  SignPayloadInput,
  SignStandardWebhookInput,
  VerifySignatureInput,
  WebhookBody,
  WebhookSecret,
} from "./signature-api.js";
export type { VerifiedWebhook, VerifyWebhookInput, WebhookRequestInput, WebhookVerifier } from "./webhook-verifier.js";
export type { ResolvedVerifierOptions, SignatureScheme, WebhookVerifierOptions } from "./options.js";
export { VERIFIER_DEFAULTS } from "./options.js";
export type { FetchHeadersLike, HeaderSource } from "./headers.js";
export type { WebhookVerificationErrorCode } from "./errors.js";
export { WebhookVerificationError } from "./errors.js";
export type { MemoryReplayStoreOptions, ReplayClaim, ReplayCommit, ReplayStore } from "./replay-store.js";
export { createMemoryReplayStore } from "./replay-store.js";
export type { WebhookAnswer, WebhookProblem } from "./problem.js";
export { answerFor, problemFor } from "./problem.js";
export { MAX_SECRETS } from "./secrets.js";
export type { VerificationOutcome, VerifierCounterLike, VerifierMeterLike } from "./metrics.js";
