import { isJsonRepresentable, isUnixSeconds, MAX_EVENT_FIELD_DEPTH, nestsDeeperThan } from "./json-checks.js";
import type { FeatureEvent } from "./feature-event.js";
import type { WebhookEvent } from "./payload.js";
import type { TrackingEvent } from "./tracking-event.js";

// Written out field by field, not driven by the shape tables as `safeParseEvent` is, and each kind in
// one function of plain property reads and `typeof`s: the exporter runs this on every add(), and a
// call per field (or a walk into a flat `metadata`) cost as much as the rest of add() together. A
// property test holds it to `safeParseEvent`.

/**
 * Within the nesting Go's encoding/json reads, once inside a payload. A flat object (every member a
 * primitive, as `metadata` nearly always is) is settled in one pass; only a nested one is walked.
 */
function membersShallowEnough(record: Record<string, unknown>): boolean {
  for (const key in record) {
    const member = record[key];
    if (typeof member === "object" && member !== null) return !nestsDeeperThan(record, MAX_EVENT_FIELD_DEPTH);
  }
  return true;
}

/** `undefined` (absent), or a plain object within the nesting Go reads. */
function isOptionalObject(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      membersShallowEnough(value as Record<string, unknown>))
  );
}

/** `null`, or a plain object within the nesting Go reads (a tracking event's maps: Go writes nil as null). */
function isNullableObject(value: unknown): boolean {
  return (
    value === null ||
    (typeof value === "object" && !Array.isArray(value) && membersShallowEnough(value as Record<string, unknown>))
  );
}

/** A value JSON writes as written (not a function, a Symbol, a BigInt or undefined), within the nesting Go reads. */
function isJsonValue(value: unknown): boolean {
  return typeof value === "object"
    ? value === null || !nestsDeeperThan(value, MAX_EVENT_FIELD_DEPTH)
    : isJsonRepresentable(value);
}

/** An object that JSON writes as an object: not null, not an array. */
function isEventObject(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

/** The fields both kinds share: who, when, and which flag or tracking event. */
function hasSubject(event: Record<string, unknown>): boolean {
  const contextKind = event.contextKind;
  return (
    (contextKind === undefined || typeof contextKind === "string") &&
    typeof event.userKey === "string" &&
    isUnixSeconds(event.creationDate) &&
    typeof event.key === "string"
  );
}

/**
 * True when `input` is a valid feature event: `isValidEvent` for one kind, for an exporter that
 * carries only that kind.
 */
export function isValidFeatureEvent(input: unknown): input is FeatureEvent {
  return (
    isEventObject(input) &&
    input.kind === "feature" &&
    hasSubject(input) &&
    typeof input.variation === "string" &&
    isJsonValue(input.value) &&
    typeof input.default === "boolean" &&
    typeof input.version === "string" &&
    typeof input.source === "string" &&
    isOptionalObject(input.metadata)
  );
}

/**
 * True when `input` is a valid tracking event: `isValidEvent` for one kind, for an exporter that
 * carries only that kind.
 */
export function isValidTrackingEvent(input: unknown): input is TrackingEvent {
  return (
    isEventObject(input) &&
    input.kind === "tracking" &&
    hasSubject(input) &&
    isNullableObject(input.evaluationContext) &&
    isNullableObject(input.trackingEventDetails)
  );
}

/**
 * True when `input` is a valid event of either kind: the checks of `parseEvent`, as a boolean that
 * allocates nothing, for hot paths (`safeParseEvent` says what is wrong).
 */
export function isValidEvent(input: unknown): input is WebhookEvent {
  return isValidFeatureEvent(input) || isValidTrackingEvent(input);
}
