import type { FeatureEvent } from "./feature-event.js";
import type { TrackingEvent } from "./tracking-event.js";
import { parseEvent } from "./validate.js";

/** What every event constructor accepts about who and when. */
interface EventContextInit {
  /** The evaluation context's targeting key. */
  userKey: string;
  /** Sets `contextKind` to `"anonymousUser"` when true, `"user"` otherwise (unless `contextKind` is given). */
  anonymous?: boolean | undefined;
  /** Overrides the kind derived from `anonymous`; `""` omits the key. */
  contextKind?: string | undefined;
  /** Unix seconds. @default now */
  creationDate?: number | undefined;
}

/** Input of {@link createFeatureEvent}: the evaluation's facts; the contract's defaults fill the rest. */
export interface FeatureEventInit extends EventContextInit {
  /** The flag key. */
  key: string;
  /** The variation name. @default "SdkDefault" */
  variation?: string | undefined;
  /** The value served. @default null */
  value?: unknown;
  /** True when the evaluation failed and the default was served. @default false */
  default?: boolean | undefined;
  /** The flag's version. @default "" */
  version?: string | undefined;
  /** Where the evaluation happened. @default "SERVER" */
  source?: string | undefined;
  /** Free per-event metadata; omitted from the event when empty. */
  metadata?: Record<string, unknown> | undefined;
}

/** Input of {@link createTrackingEvent}. */
export interface TrackingEventInit extends EventContextInit {
  /** The tracking event's name. */
  key: string;
  /** The whole evaluation context. Its `anonymous: true` marks the context anonymous. @default null */
  evaluationContext?: Record<string, unknown> | null | undefined;
  /** The event's details. @default null */
  trackingEventDetails?: Record<string, unknown> | null | undefined;
}

function nowInUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function contextKindOf(init: EventContextInit, anonymousInContext: boolean): string {
  if (init.contextKind !== undefined) return init.contextKind;
  return init.anonymous === true || anonymousInContext ? "anonymousUser" : "user";
}

function hasKeys(value: Record<string, unknown> | undefined): value is Record<string, unknown> {
  if (value === undefined) return false;
  for (const _ in value) return true;
  return false;
}

/**
 * Builds a feature event with the contract's defaults, keys in wire order.
 * @throws {WebhookValidationError} when a field has the wrong type (a `creationDate` in milliseconds, say).
 */
export function createFeatureEvent(init: FeatureEventInit): FeatureEvent {
  const contextKind = contextKindOf(init, false);
  const event: Record<string, unknown> = { kind: "feature" };
  if (contextKind !== "") event.contextKind = contextKind;
  event.userKey = init.userKey;
  event.creationDate = init.creationDate ?? nowInUnixSeconds();
  event.key = init.key;
  event.variation = init.variation ?? "SdkDefault";
  event.value = init.value ?? null;
  event.default = init.default ?? false;
  event.version = init.version ?? "";
  event.source = init.source ?? "SERVER";
  if (hasKeys(init.metadata)) event.metadata = init.metadata;
  return parseEvent(event) as FeatureEvent;
}

/**
 * Builds a tracking event with the contract's defaults, keys in wire order.
 * @throws {WebhookValidationError} when a field has the wrong type.
 */
export function createTrackingEvent(init: TrackingEventInit): TrackingEvent {
  const evaluationContext = init.evaluationContext ?? null;
  const contextKind = contextKindOf(init, evaluationContext?.anonymous === true);
  const event: Record<string, unknown> = { kind: "tracking" };
  if (contextKind !== "") event.contextKind = contextKind;
  event.userKey = init.userKey;
  event.creationDate = init.creationDate ?? nowInUnixSeconds();
  event.key = init.key;
  event.evaluationContext = evaluationContext;
  event.trackingEventDetails = init.trackingEventDetails ?? null;
  return parseEvent(event) as TrackingEvent;
}
