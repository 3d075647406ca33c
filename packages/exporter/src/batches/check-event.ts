import {
  isValidFeatureEvent,
  isValidTrackingEvent,
  safeParseEvent,
  type ValidationIssue,
  type WebhookEvent,
} from "@org/webhook-types";
import { describeReceived, WebhookExporterError } from "../errors.js";
import type { ResolvedOptions } from "../config/options.js";

/** Deeper than any real event; past it a value is treated as circular rather than walked further. */
const MAX_DEPTH = 64;
const NESTED_FIELDS = ["value", "metadata", "evaluationContext", "trackingEventDetails"] as const;

/**
 * The check `add()` runs on each event, made once per exporter. It refuses, always, an event that
 * would break its batch: of the other kind, a required key missing or of the wrong type, a value JSON
 * cannot hold (a function, a Symbol), a `creationDate` in milliseconds, nesting deeper than Go reads.
 * A valid event costs one pass of plain reads (the kind's own validator); only a refused one is looked
 * at again, to say why. With `validateEvents`, the nested values are walked as well.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_EVENT` with the validation issues.
 */
export function createEventCheck(
  options: Pick<ResolvedOptions, "eventType" | "validateEvents">,
): (event: WebhookEvent) => void {
  const { eventType, validateEvents } = options;
  const isValidOfKind = eventType === "feature" ? isValidFeatureEvent : isValidTrackingEvent;
  return (event) => {
    if (!isValidOfKind(event)) refuse(event, eventType);
    if (validateEvents) checkNested(event);
  };
}

function refuse(event: WebhookEvent, eventType: ResolvedOptions["eventType"]): never {
  const kind = (event as { kind?: unknown } | null)?.kind;
  if (kind !== eventType)
    throw new WebhookExporterError(
      "ERR_WEBHOOK_EVENT",
      `this exporter carries ${eventType} events, got kind ${describeReceived(kind)}`,
    );
  const result = safeParseEvent(event);
  throw new WebhookExporterError("ERR_WEBHOOK_EVENT", result.success ? "invalid event" : result.error.message, {
    cause: result.success ? undefined : result.error,
    issues: result.success ? [] : result.error.issues,
  });
}

/** What only `validateEvents` walks: every nested value JSON cannot represent as written. */
function checkNested(event: WebhookEvent): void {
  const record = event as unknown as Record<string, unknown>;
  for (const field of NESTED_FIELDS) {
    const issue = findNonJson(record[field], `/${field}`, 0);
    if (issue !== undefined) throw new WebhookExporterError("ERR_WEBHOOK_EVENT", issue.message, { issues: [issue] });
  }
}

/** The first place inside `value` that JSON cannot represent as written (left out, or throws). */
function findNonJson(value: unknown, path: string, depth: number): ValidationIssue | undefined {
  const type = typeof value;
  if (type === "function" || type === "symbol" || type === "bigint") return issue(path, "a JSON value", type);
  if (type !== "object" || value === null) return undefined;
  if (depth >= MAX_DEPTH)
    return issue(path, `a JSON value nested at most ${MAX_DEPTH} deep`, "a deeper (or circular) structure");
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findNonJson(value[index], `${path}/${index}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value as object)) {
    if (item === undefined) continue; // a key set to undefined is absent, as JSON.stringify and Go's maps agree
    const found = findNonJson(item, `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function issue(path: string, expected: string, received: string): ValidationIssue {
  return { path, expected, received, message: `${path}: expected ${expected}, got ${received}` };
}
