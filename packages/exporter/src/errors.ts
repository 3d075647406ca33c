import type { ValidationIssue } from "@org/webhook-types";

/** Stable codes of {@link WebhookExporterError}: branch on these, not on messages. */
export type WebhookExporterErrorCode =
  /** Bad options; `field` names the option. Thrown by `createWebhookExporter`. */
  | "ERR_WEBHOOK_CONFIG"
  /** `add()` got an event of the wrong kind or with a bad field (with `validateEvents`, a bad nested value too); `issues` lists why. */
  | "ERR_WEBHOOK_EVENT"
  /** `add()` after `close()`. */
  | "ERR_WEBHOOK_CLOSED"
  /** A delivery attempt failed (reported to `onError`, never thrown by `add()`); see `reason` and `status`. */
  | "ERR_WEBHOOK_SEND"
  /** The durable spool could not be used (locked by another exporter, unwritable, a torn file). */
  | "ERR_WEBHOOK_SPOOL";

/** Why a delivery attempt failed. */
export type SendFailureReason =
  | "network"
  | "timeout"
  | "status"
  | "redirect"
  /** 401 or 403: the receiver refused the signature or the credentials; check the secret and any Authorization header. */
  | "unauthorized";

/**
 * The one error class of `@org/webhook-exporter`. Messages never carry the secret, header values or
 * URL credentials.
 */
export class WebhookExporterError extends Error {
  /** Always `"WebhookExporterError"`. */
  override readonly name = "WebhookExporterError";
  /** What went wrong, as a stable code to branch on. */
  readonly code: WebhookExporterErrorCode;
  /** The option at fault (`ERR_WEBHOOK_CONFIG`). */
  readonly field: string | undefined;
  /** The HTTP status, when the endpoint answered (`ERR_WEBHOOK_SEND`). */
  readonly status: number | undefined;
  /** Why the attempt failed (`ERR_WEBHOOK_SEND`). */
  readonly reason: SendFailureReason | undefined;
  /**
   * True when retrying will not help until someone fixes something (a 4xx other than 408/429, a
   * redirect): the events are still kept and retried, but operators should look.
   */
  readonly permanent: boolean;
  /** What was wrong with an event (`ERR_WEBHOOK_EVENT`). */
  readonly issues: readonly ValidationIssue[];

  constructor(
    code: WebhookExporterErrorCode,
    message: string,
    details: {
      cause?: unknown;
      field?: string;
      status?: number;
      reason?: SendFailureReason;
      permanent?: boolean;
      issues?: readonly ValidationIssue[];
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.field = details.field;
    this.status = details.status;
    this.reason = details.reason;
    this.permanent = details.permanent ?? false;
    this.issues = details.issues ?? [];
  }
}

/** A configuration error naming `field` and what it must be. */
export function configError(field: string, expectation: string, cause?: unknown): WebhookExporterError {
  return new WebhookExporterError(
    "ERR_WEBHOOK_CONFIG",
    `${field} ${expectation}`,
    cause === undefined ? { field } : { field, cause },
  );
}

/** A spool (filesystem) error, wrapping the `cause` when there is one. */
export function spoolError(message: string, cause?: unknown): WebhookExporterError {
  return new WebhookExporterError("ERR_WEBHOOK_SPOOL", message, cause === undefined ? {} : { cause });
}

/** A short, secret-free description of a received value for config messages. */
export function describeReceived(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value.length > 30 ? "a long string" : JSON.stringify(value);
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}
