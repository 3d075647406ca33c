import { parseEvent, WebhookValidationError, type WebhookEvent } from "@org/webhook-types";
import { describeReceived, WebhookExporterError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/**
 * Refuses an event of the kind this exporter does not carry, and (with `validateEvents`) an invalid one.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_EVENT` with the validation issues.
 */
export function checkEvent(event: WebhookEvent, options: Pick<ResolvedOptions, "eventType" | "validateEvents">): void {
  const kind = (event as { kind?: unknown } | null)?.kind;
  if (kind !== options.eventType) {
    throw new WebhookExporterError("ERR_WEBHOOK_EVENT", `this exporter carries ${options.eventType} events, got kind ${describeReceived(kind)}`);
  }
  if (!options.validateEvents) return;
  try {
    parseEvent(event);
  } catch (error) {
    if (!(error instanceof WebhookValidationError)) throw error;
    throw new WebhookExporterError("ERR_WEBHOOK_EVENT", error.message, { cause: error, issues: error.issues });
  }
}
