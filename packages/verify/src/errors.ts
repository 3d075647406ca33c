/** Why a webhook request was refused, or how the verifier was misused. Stable: branch on it. */
export type WebhookVerificationErrorCode =
  /** No `X-Hub-Signature-256` and no `webhook-signature` header (or not the one `scheme` asks for). */
  | "ERR_MISSING_SIGNATURE"
  /** A signature header that does not follow its grammar (or `webhook-id`/`webhook-timestamp` missing or bad). */
  | "ERR_MALFORMED_SIGNATURE"
  /** Well-formed, but signed with another secret or over another body. */
  | "ERR_SIGNATURE_MISMATCH"
  /** `webhook-timestamp` further from now than `toleranceSeconds`. */
  | "ERR_TIMESTAMP_OUT_OF_RANGE"
  /** The request was already processed (its digest or signed `webhook-id` is committed): a duplicate, answered 2xx. */
  | "ERR_REPLAYED"
  /** Another delivery of this request holds a live claim (its handler is running): answered 503 with `Retry-After`. */
  | "ERR_REPLAY_IN_PROGRESS"
  /** The client closed the connection, or reset it, before the whole body arrived. */
  | "ERR_BODY_INCOMPLETE"
  /** The body did not arrive within `bodyTimeoutMs` (answered 408). */
  | "ERR_BODY_TIMEOUT"
  /** The handler threw or rejected (answered 500; `cause` is its error, never sent to the client). */
  | "ERR_HANDLER_FAILED"
  /** Something failed that no check expected (answered 500; `cause` holds it). */
  | "ERR_INTERNAL"
  /** The body given is not the raw bytes (a parsed object, `undefined`, `null`): the signature covers the exact bytes. */
  | "ERR_BODY_NOT_RAW"
  /** The body is larger than `maxBodyBytes`. */
  | "ERR_BODY_TOO_LARGE"
  /** Signed correctly, but not JSON or not a valid payload (`cause` holds the validation error). */
  | "ERR_INVALID_PAYLOAD"
  /** The replay store failed (e.g. Redis unreachable) and fails closed. */
  | "ERR_REPLAY_STORE_UNAVAILABLE"
  /** Misuse: bad options (the message names the field). */
  | "ERR_WEBHOOK_CONFIG"
  /** Misuse: a body parser such as `express.json()` consumed the body before the verifier saw it. */
  | "ERR_BODY_ALREADY_PARSED";

/**
 * The one error class of `@org/webhook-verify`. Messages never carry a secret, the expected digest or
 * the received one.
 */
export class WebhookVerificationError extends Error {
  /** Always `"WebhookVerificationError"`. */
  override readonly name = "WebhookVerificationError";
  /** Which check failed, as a stable code to branch on (see the README's table of answers). */
  readonly code: WebhookVerificationErrorCode;
  /** The option at fault, for `ERR_WEBHOOK_CONFIG`. */
  readonly field: string | undefined;
  /** For `ERR_REPLAY_IN_PROGRESS`: when the claim ends, in seconds (the `Retry-After` answered). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: WebhookVerificationErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** A misuse error for option `field`. */
export function configError(field: string, expectation: string): WebhookVerificationError {
  return new WebhookVerificationError("ERR_WEBHOOK_CONFIG", `${field} ${expectation}`, { field });
}
