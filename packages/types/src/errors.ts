/** One thing wrong with the input, located by a JSON Pointer (RFC 6901). */
export interface ValidationIssue {
  /** Where, as a JSON Pointer: `/events/3/creationDate`; `""` is the whole input. */
  readonly path: string;
  /** What the contract asks for there. */
  readonly expected: string;
  /** What was found, described in at most 40 characters of the input. */
  readonly received: string;
  /** `path`, `expected` and `received` in one sentence. */
  readonly message: string;
}

/**
 * Thrown by `parsePayload`, `parseEvent` and the event constructors when the input does not match
 * the contract. Branch on `code`; read `issues` for every problem found (the message names the first).
 */
export class WebhookValidationError extends Error {
  /** Always `"WebhookValidationError"`. */
  override readonly name = "WebhookValidationError";
  /** Stable, for code to branch on. */
  readonly code = "ERR_WEBHOOK_VALIDATION";
  /** Every problem found, at most {@link MAX_REPORTED_ISSUES}. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super(`Invalid webhook data: ${first ? first.message : "unknown problem"}${more}`);
    this.issues = issues;
  }
}

/** A bad payload of a million events should not build a million issues. */
export const MAX_REPORTED_ISSUES = 100;
