import type { WebhookVerificationError, WebhookVerificationErrorCode } from "./errors.js";

/** The small JSON body (RFC 9457 problem details) every adapter answers a refusal with. */
export interface WebhookProblem {
  type: string;
  title: string;
  status: number;
  code: WebhookVerificationErrorCode;
}

/** Fixed text per code: an answer never echoes the request or the reason's details. */
const PROBLEMS: Readonly<Record<WebhookVerificationErrorCode, readonly [status: number, title: string]>> = {
  ERR_MISSING_SIGNATURE: [401, "Missing webhook signature"],
  ERR_MALFORMED_SIGNATURE: [401, "Malformed webhook signature"],
  ERR_SIGNATURE_MISMATCH: [401, "Invalid webhook signature"],
  ERR_TIMESTAMP_OUT_OF_RANGE: [401, "Webhook timestamp out of range"],
  // 409: the batch is already here. A sender that re-sends after a lost answer can count it as delivered.
  ERR_REPLAYED: [409, "Webhook already received"],
  ERR_BODY_TOO_LARGE: [413, "Webhook body too large"],
  ERR_INVALID_PAYLOAD: [400, "Invalid webhook payload"],
  // 503: the sender keeps the batch and tries again later.
  ERR_REPLAY_STORE_UNAVAILABLE: [503, "Replay store unavailable"],
  ERR_WEBHOOK_CONFIG: [500, "Webhook receiver misconfigured"],
  ERR_BODY_ALREADY_PARSED: [500, "Webhook receiver misconfigured"],
};

/** The HTTP answer for a refused request. */
export function problemFor(error: WebhookVerificationError): WebhookProblem {
  const [status, title] = PROBLEMS[error.code];
  return { type: `urn:webhook-verify:${error.code.slice(4).toLowerCase().replaceAll("_", "-")}`, title, status, code: error.code };
}

/** True for misuse that the developer must fix (the adapters rethrow it rather than answer). */
export function isMisuse(error: WebhookVerificationError): boolean {
  return error.code === "ERR_WEBHOOK_CONFIG" || error.code === "ERR_BODY_ALREADY_PARSED";
}
