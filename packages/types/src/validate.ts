import { MAX_REPORTED_ISSUES, WebhookValidationError, type ValidationIssue } from "./errors.js";
import { featureEventShape, type FeatureEvent } from "./feature-event.js";
import type { FieldSpec, ShapeSpec } from "./field.js";
import { describeValue, pointerSegment } from "./describe-value.js";
import type { WebhookEvent, WebhookPayload } from "./payload.js";
import { isValidEvent } from "./is-valid-event.js";
import {
  isJsonRepresentable,
  isPlainObject,
  MAX_EVENT_FIELD_DEPTH,
  MAX_JSON_DEPTH,
  MAX_UNIX_SECONDS,
  nestsDeeperThan,
} from "./json-checks.js";
import { trackingEventShape, type TrackingEvent } from "./tracking-event.js";

/** The result of a `safeParse*` call: the typed value, or the error `parse*` would have thrown. */
export type SafeParseResult<T> = SafeParseSuccess<T> | SafeParseFailure;

/** The input was valid. */
export interface SafeParseSuccess<T> {
  /** Always `true`. */
  readonly success: true;
  /** The input, typed (the same object, not a copy). */
  readonly data: T;
}

/** The input was not valid. */
export interface SafeParseFailure {
  /** Always `false`. */
  readonly success: false;
  /** What is wrong, with every issue (up to the cap) and its JSON pointer. */
  readonly error: WebhookValidationError;
}

/** Collects issues up to a cap; validation stops looking once it is full. */
class IssueList {
  readonly items: ValidationIssue[] = [];
  get full(): boolean {
    return this.items.length >= MAX_REPORTED_ISSUES;
  }
  add(path: string, expected: string, value: unknown, hint = ""): void {
    if (this.full) return;
    const received = describeValue(value) + hint;
    const where = path === "" ? "the input" : path;
    this.items.push({ path, expected, received, message: `${where}: expected ${expected}, got ${received}` });
  }
}

/** A field check: returns what was expected when the value fails, `undefined` when it passes. */
type FieldCheck = (value: unknown) => { expected: string; hint?: string } | undefined;

const UNIX_SECONDS = "a non-negative integer of Unix seconds";

function fieldCheck(spec: FieldSpec): FieldCheck {
  const constant = spec.const;
  if (constant !== undefined) {
    const expected = { expected: JSON.stringify(constant) };
    return (value) => (value === constant ? undefined : expected);
  }
  switch (spec.type) {
    case "string":
      return (value) => (typeof value === "string" ? undefined : { expected: "a string" });
    case "boolean":
      return (value) => (typeof value === "boolean" ? undefined : { expected: "a boolean" });
    case "unixSeconds":
      return (value) => {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) return { expected: UNIX_SECONDS };
        if (value > MAX_UNIX_SECONDS)
          return { expected: UNIX_SECONDS, hint: " (this looks like milliseconds: divide by 1000)" };
        return undefined;
      };
    case "object":
      return (value) => (isPlainObject(value) ? shallowEnough(value) : { expected: "an object" });
    case "objectOrNull":
      return (value) =>
        value === null || isPlainObject(value) ? shallowEnough(value) : { expected: "an object or null" };
    case "any":
      // JSON.stringify silently leaves out a function, a symbol or undefined, and throws on a BigInt.
      return (value) => (isJsonRepresentable(value) ? shallowEnough(value) : { expected: "a JSON value" });
  }
}

const TOO_DEEP = {
  expected: `JSON nested at most ${MAX_JSON_DEPTH} levels deep in its payload (the most Go's encoding/json reads)`,
  hint: " nested deeper",
};

/** A receiver in Go could never decode a payload holding this value: refused, not retried forever. */
function shallowEnough(value: unknown): { expected: string; hint?: string } | undefined {
  return nestsDeeperThan(value, MAX_EVENT_FIELD_DEPTH) ? TOO_DEEP : undefined;
}

interface CompiledField {
  readonly key: string;
  readonly required: boolean;
  readonly check: FieldCheck;
}

/** Field checks in wire order, built once per shape so that the hot loop does no lookups. */
function compile(shape: ShapeSpec): readonly CompiledField[] {
  return Object.entries(shape).map(([key, spec]) => ({
    key,
    required: spec.optional !== true,
    check: fieldCheck(spec),
  }));
}

const compiledShapes: Readonly<Record<WebhookEvent["kind"], readonly CompiledField[]>> = {
  feature: compile(featureEventShape),
  tracking: compile(trackingEventShape),
};

/** Paths are built only when an issue is found: building one per field would double the cost. */
function checkEvent(value: unknown, path: string | (() => string), issues: IssueList): void {
  const pathOf = (suffix: string) => (typeof path === "string" ? path : path()) + suffix;
  if (!isPlainObject(value)) {
    issues.add(pathOf(""), "an event object", value);
    return;
  }
  const kind = value.kind;
  const fields = kind === "feature" || kind === "tracking" ? compiledShapes[kind] : undefined;
  if (fields === undefined) {
    issues.add(pathOf("/kind"), '"feature" or "tracking"', kind);
    return;
  }
  for (const field of fields) {
    const fieldValue = value[field.key];
    if (fieldValue === undefined) {
      // `undefined` never comes out of JSON.parse; for an in-memory event it means "absent".
      if (field.required) issues.add(pathOf(`/${field.key}`), `the required key "${field.key}"`, undefined);
      continue;
    }
    const failure = field.check(fieldValue);
    if (failure !== undefined) issues.add(pathOf(`/${field.key}`), failure.expected, fieldValue, failure.hint);
  }
}

function checkMeta(value: unknown, issues: IssueList): void {
  if (!isPlainObject(value)) {
    issues.add("/meta", "an object mapping strings to strings", value);
    return;
  }
  // Own keys only: "__proto__" from JSON.parse is an own key to check, never a way into the prototype.
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") issues.add(`/meta/${pointerSegment(key)}`, "a string", item);
  }
}

function checkPayload(value: unknown, issues: IssueList): void {
  if (!isPlainObject(value)) {
    issues.add("", 'an object {"meta": {...}, "events": [...]}', value);
    return;
  }
  checkMeta(value.meta, issues);
  const events = value.events;
  if (!Array.isArray(events)) {
    issues.add("/events", "an array of events", events);
    return;
  }
  for (let index = 0; index < events.length && !issues.full; index++) {
    checkEvent(events[index], () => `/events/${index}`, issues);
  }
}

function toResult<T>(value: unknown, check: (value: unknown, issues: IssueList) => void): SafeParseResult<T> {
  const issues = new IssueList();
  check(value, issues);
  if (issues.items.length > 0) return { success: false, error: new WebhookValidationError(issues.items) };
  return { success: true, data: value as T };
}

/**
 * Checks a parsed webhook body (`JSON.parse` output) against the contract. Unknown keys are allowed and
 * kept; the returned object is the input itself, typed.
 * @throws {WebhookValidationError} listing every issue (up to 100), each with its JSON Pointer.
 */
export function parsePayload(input: unknown): WebhookPayload {
  const result = safeParsePayload(input);
  if (!result.success) throw result.error;
  return result.data;
}

/** Like {@link parsePayload}, but returns `{ success, data | error }` instead of throwing. */
export function safeParsePayload(input: unknown): SafeParseResult<WebhookPayload> {
  return toResult(input, checkPayload);
}

/**
 * Checks one event of either kind.
 * @throws {WebhookValidationError} when it does not match the contract.
 */
export function parseEvent(input: unknown): WebhookEvent {
  const result = safeParseEvent(input);
  if (!result.success) throw result.error;
  return result.data;
}

/** Like {@link parseEvent}, but returns `{ success, data | error }` instead of throwing. */
export function safeParseEvent(input: unknown): SafeParseResult<WebhookEvent> {
  if (isValidEvent(input)) return { success: true, data: input };
  return toResult(input, (value, issues) => {
    checkEvent(value, "", issues);
  });
}

/** True when `event` is a feature event (narrows the type). */
export function isFeatureEvent(event: WebhookEvent): event is FeatureEvent {
  return event.kind === "feature";
}

/** True when `event` is a tracking event (narrows the type). */
export function isTrackingEvent(event: WebhookEvent): event is TrackingEvent {
  return event.kind === "tracking";
}
