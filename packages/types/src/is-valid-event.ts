import {
  isJsonRepresentable,
  isPlainObject,
  isUnixSeconds,
  MAX_EVENT_FIELD_DEPTH,
  nestsDeeperThan,
} from "./json-checks.js";
import type { WebhookEvent } from "./payload.js";

// Written out field by field, not driven by the shape tables as `safeParseEvent` is: with plain
// property reads the engine keeps each check monomorphic, and the exporter runs this on every add().
// A property test holds it to `safeParseEvent`.

const optionalString = (value: unknown) => value === undefined || typeof value === "string";
/** Within the nesting Go's encoding/json reads, once inside a payload; a primitive costs one typeof. */
const shallowEnough = (value: unknown) => !nestsDeeperThan(value, MAX_EVENT_FIELD_DEPTH);

/** The fields both kinds share: who, when, and which flag or tracking event. */
function hasSubject(event: Record<string, unknown>): boolean {
  return (
    optionalString(event.contextKind) &&
    typeof event.userKey === "string" &&
    isUnixSeconds(event.creationDate) &&
    typeof event.key === "string"
  );
}

function isFeature(event: Record<string, unknown>): boolean {
  return (
    hasSubject(event) &&
    typeof event.variation === "string" &&
    isJsonRepresentable(event.value) &&
    shallowEnough(event.value) &&
    typeof event.default === "boolean" &&
    typeof event.version === "string" &&
    typeof event.source === "string" &&
    (event.metadata === undefined || (isPlainObject(event.metadata) && shallowEnough(event.metadata)))
  );
}

function isTracking(event: Record<string, unknown>): boolean {
  return (
    hasSubject(event) &&
    (event.evaluationContext === null ||
      (isPlainObject(event.evaluationContext) && shallowEnough(event.evaluationContext))) &&
    (event.trackingEventDetails === null ||
      (isPlainObject(event.trackingEventDetails) && shallowEnough(event.trackingEventDetails)))
  );
}

/**
 * True when `input` is a valid event of either kind: the checks of `parseEvent`, as a boolean that
 * allocates nothing, for hot paths (`safeParseEvent` says what is wrong).
 */
export function isValidEvent(input: unknown): input is WebhookEvent {
  if (!isPlainObject(input)) return false;
  if (input.kind === "feature") return isFeature(input);
  return input.kind === "tracking" && isTracking(input);
}
