import type { WebhookVerificationError, WebhookVerificationErrorCode } from "./errors.js";
import type { VerificationOutcome } from "./metrics.js";

/** The small JSON body (RFC 9457 problem details) every adapter answers a refusal with. */
export interface WebhookProblem {
  /** `about:blank` (RFC 9457). */
  type: string;
  /** Fixed text for the code: never the request's content or the reason's details. */
  title: string;
  /** The HTTP status answered. */
  status: number;
  /** The error code. */
  code: WebhookVerificationErrorCode;
  /** For `ERR_BODY_TOO_LARGE` only: the limit, and which one (the receiver's, or the runtime's truncation). */
  detail?: string;
}

/** A whole HTTP answer, ready for any framework to write. */
export interface WebhookAnswer {
  /** The HTTP status. */
  status: number;
  /** `Content-Type`, and `Retry-After` when the sender should wait. */
  headers: Record<string, string>;
  /** The JSON body. */
  body: string;
}

/**
 * Everything fixed about each code, in one place: the status answered, the fixed title (an answer never
 * echoes the request or the reason's details), whether it is misuse the developer must fix
 * (frameworks with an error handler get it as an error), and the outcome the metrics count it as
 * (`refused` unless said).
 */
const PROBLEMS: Readonly<
  Record<
    WebhookVerificationErrorCode,
    {
      readonly status: number;
      readonly title: string;
      readonly misuse?: true;
      readonly outcome?: Exclude<VerificationOutcome, "verified" | "refused">;
    }
  >
> = {
  ERR_MISSING_SIGNATURE: { status: 401, title: "Missing webhook signature" },
  ERR_MALFORMED_SIGNATURE: { status: 401, title: "Malformed webhook signature" },
  ERR_SIGNATURE_MISMATCH: { status: 401, title: "Invalid webhook signature" },
  ERR_TIMESTAMP_OUT_OF_RANGE: { status: 401, title: "Webhook timestamp out of range" },
  // 2xx: the batch is already here. GO Feature Flag re-sends on any status over 399, so a refusal would loop.
  ERR_REPLAYED: { status: 200, title: "Webhook already received", outcome: "duplicate" },
  // 503: the sender keeps the batch and tries again once the other delivery has committed or failed.
  ERR_REPLAY_IN_PROGRESS: { status: 503, title: "Webhook being processed", outcome: "in-progress" },
  ERR_BODY_TOO_LARGE: { status: 413, title: "Webhook body too large" },
  ERR_BODY_INCOMPLETE: { status: 400, title: "Webhook body incomplete" },
  ERR_BODY_TIMEOUT: { status: 408, title: "Webhook body not received in time" },
  ERR_INVALID_PAYLOAD: { status: 400, title: "Invalid webhook payload" },
  // 503: the sender keeps the batch and tries again later.
  ERR_REPLAY_STORE_UNAVAILABLE: { status: 503, title: "Replay store unavailable", outcome: "unavailable" },
  ERR_HANDLER_FAILED: { status: 500, title: "Webhook handler failed" },
  ERR_INTERNAL: { status: 500, title: "Webhook receiver error", outcome: "unavailable" },
  ERR_WEBHOOK_CONFIG: { status: 500, title: "Webhook receiver misconfigured", misuse: true },
  ERR_BODY_ALREADY_PARSED: { status: 500, title: "Webhook receiver misconfigured", misuse: true },
  ERR_BODY_NOT_RAW: { status: 500, title: "Webhook receiver misconfigured", misuse: true },
};

/** The problem details for a refused request. */
export function problemFor(error: WebhookVerificationError): WebhookProblem {
  const { status, title } = PROBLEMS[error.code];
  return {
    type: `urn:webhook-verify:${error.code.slice(4).toLowerCase().replaceAll("_", "-")}`,
    title,
    status,
    code: error.code,
  };
}

/**
 * The answer to a request that did not reach the handler: a duplicate is acknowledged with
 * `200 {"duplicate":true}` (the sender counts it delivered); a claim in progress is `503` with
 * `Retry-After`; every other refusal is a problem body. A 413 or 408 also closes the connection, since
 * the rest of the body was not read.
 */
export function answerFor(error: WebhookVerificationError): WebhookAnswer {
  const problem = problemFor(error);
  if (error.code === "ERR_REPLAYED") {
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ duplicate: true }) };
  }
  // The limit is the receiver's own setting, not the request's content: saying it helps the sender's operator.
  if (error.code === "ERR_BODY_TOO_LARGE") problem.detail = error.message;
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (problem.status === 413 || problem.status === 408) headers.connection = "close";
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}

/** True for misuse that the developer must fix (frameworks with an error handler get it as an error). */
export function isMisuse(error: WebhookVerificationError): boolean {
  return PROBLEMS[error.code].misuse === true;
}

/** What a refusal counts as in the `webhook.verify.outcome` metric attribute. */
export function outcomeOf(error: WebhookVerificationError): VerificationOutcome {
  return PROBLEMS[error.code].outcome ?? "refused";
}
