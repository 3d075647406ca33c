import {
  featureEventShape,
  trackingEventShape,
  type FieldSpec,
  type WebhookEvent,
  type WebhookEventKind,
} from "@org/webhook-types";

/*
 * Go-identical JSON (docs/wire-contract.md §3), written by hand because JSON.stringify cannot produce it: Go sorts
 * map keys by their UTF-8 bytes, while a JavaScript object always puts integer-like keys ("2", "10")
 * first in numeric order, whatever order they were inserted in. Strings still go through the native
 * JSON.stringify, with the few escapes where Go differs rewritten afterwards.
 */

/**
 * Go sorts map keys by their UTF-8 bytes; JavaScript's default sort compares UTF-16 code units, which
 * differs only when a surrogate (U+D800-U+DFFF, an astral character) meets a unit at or above U+E000.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate && (xSurrogate ? y : x) >= 0xe000) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Characters whose escape differs between Go and JSON.stringify. Control characters agree: Go 1.22 and
 * later write `\b` and `\f` as JSON.stringify does (docs/wire-contract.md §3; GO Feature Flag v1.55 is built with Go 1.26).
 */
const NEEDS_GO_ESCAPE = /[<>&\u2028\u2029\ud800-\udfff]/;
const GO_ESCAPES = /[<>&\u2028\u2029]|\\\\|\\ud[89a-f][0-9a-f]{2}/g;

function goEscape(match: string): string {
  switch (match) {
    case "<":
      return "\\u003c";
    case ">":
      return "\\u003e";
    case "&":
      return "\\u0026";
    case "\u2028":
      return "\\u2028";
    case "\u2029":
      return "\\u2029";
    case "\\\\":
      return match;
    default:
      // A lone surrogate: Go would have replaced it with U+FFFD when it read the string, and writes that as is.
      return "\ufffd";
  }
}

/**
 * A JSON string as Go writes it: `<>&` and U+2028/U+2029 escaped, lone surrogates as `\ufffd`.
 * Escaped backslashes are matched first so that the text `\\ud800` (a backslash, then letters) stays as it is.
 */
export function writeString(value: string): string {
  const json = JSON.stringify(value);
  return NEEDS_GO_ESCAPE.test(value) ? json.replace(GO_ESCAPES, goEscape) : json;
}

function writeNumber(value: number): string {
  // Go refuses NaN and infinities; null keeps the rest of the batch deliverable.
  return Number.isFinite(value) ? JSON.stringify(value) : "null";
}

function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/** Go holds a lone surrogate as U+FFFD, and sorts it so. */
function compareAsGo(a: string, b: string): number {
  return compareUtf8(a.toWellFormed(), b.toWellFormed());
}

function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record).filter((key) => !isSkipped(record[key]));
  for (let index = 1; index < keys.length; index++) {
    if (compareAsGo(keys[index - 1] ?? "", keys[index] ?? "") > 0) return keys.sort(compareAsGo);
  }
  return keys;
}

/** Any JSON value as Go's encoding/json writes a map[string]any: keys sorted at every depth. */
export function writeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return writeString(value);
    case "number":
      return writeNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (typeof (value as { toJSON?: unknown }).toJSON === "function")
        return writeValue((value as { toJSON(): unknown }).toJSON());
      if (Array.isArray(value))
        return `[${value.map((item: unknown) => (isSkipped(item) ? "null" : writeValue(item))).join(",")}]`;
      const record = value as Record<string, unknown>;
      return `{${sortedKeys(record)
        .map((key) => `${writeString(key)}:${writeValue(record[key])}`)
        .join(",")}}`;
    }
    default:
      return "null";
  }
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (typeof value !== "object") return false;
  for (const _ in value) return false;
  return true;
}

/** One field, compiled from the shape in `@org/webhook-types`: its key, already quoted, and its writer. */
interface CompiledField {
  readonly key: string;
  readonly quotedKey: string;
  readonly omitEmpty: boolean;
  readonly write: (value: unknown) => string;
  /** True when JSON.stringify writes this value as Go does (the fast path). */
  readonly wireForm: (value: unknown) => boolean;
}

/** Go writes a missing field as its zero value. */
function writerFor(spec: FieldSpec): (value: unknown) => string {
  switch (spec.type) {
    case "string":
      return (value) => writeString(typeof value === "string" ? value : "");
    case "boolean":
      return (value) => (value === true ? "true" : "false");
    case "unixSeconds":
      return (value) => writeNumber(typeof value === "number" ? value : 0);
    default:
      return (value) => writeValue(value ?? null);
  }
}

function wireFormCheckFor(spec: FieldSpec): (value: unknown) => boolean {
  const omitEmpty = spec.optional === true;
  switch (spec.type) {
    case "string":
      return (value) => typeof value === "string" && !(omitEmpty && value === "");
    case "boolean":
      return (value) => typeof value === "boolean";
    case "unixSeconds":
      return (value) => typeof value === "number" && Number.isFinite(value);
    default:
      return (value) => value !== undefined && isCanonicalValue(value) && !(omitEmpty && isEmpty(value));
  }
}

function compile(shape: Readonly<Record<string, FieldSpec>>): readonly CompiledField[] {
  return Object.entries(shape).map(([key, spec]) => ({
    key,
    quotedKey: `"${key}":`,
    omitEmpty: spec.optional === true,
    write: writerFor(spec),
    wireForm: wireFormCheckFor(spec),
  }));
}

const FIELDS: Readonly<Record<WebhookEventKind, readonly CompiledField[]>> = {
  feature: compile(featureEventShape),
  tracking: compile(trackingEventShape),
};

/**
 * One event's bytes as GO Feature Flag would send them: the Go struct's field order, `omitempty` fields
 * left out when empty, keys Go's struct does not have dropped.
 * @throws {RangeError} for a circular structure.
 */
export function serializeEvent(event: WebhookEvent): string {
  const record = event as Record<string, unknown>;
  let out = "{";
  for (const field of FIELDS[event.kind]) {
    const value = record[field.key];
    if (field.omitEmpty && isEmpty(value)) continue;
    out += (out.length === 1 ? "" : ",") + field.quotedKey + field.write(value);
  }
  return `${out}}`;
}

/*
 * The fast path. Most events already are in wire form: built by createFeatureEvent or the OpenFeature
 * hook, their keys are in the Go order and their maps small and sorted. For those, the native
 * JSON.stringify writes Go's bytes but for a few escapes, which are rewritten on the output text
 * (the characters involved can only stand inside JSON strings, so a text rewrite is exact).
 */

/**
 * Rewrites JSON.stringify output into Go's escapes (see {@link writeString}). The check is a few
 * `includes` scans, several times faster than a regular expression on a body of megabytes; a backslash
 * (any escape at all) sends the text through the exact rewrite.
 */
export function toGoEscapes(json: string): string {
  const mayDiffer =
    json.includes("\\") ||
    json.includes("<") ||
    json.includes(">") ||
    json.includes("&") ||
    json.includes("\u2028") ||
    json.includes("\u2029");
  return mayDiffer ? json.replace(GO_ESCAPES, goEscape) : json;
}

/** True when JSON.stringify writes `value` as Go would write a map[string]any (keys sorted at every depth). */
function isCanonicalValue(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return typeof value !== "bigint";
  if (Array.isArray(value)) return value.every(isCanonicalValue);
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  // Integer-like keys iterate first in numeric order ("2" before "10"), which fails this check as it should.
  for (const key in record) {
    if ((previous !== undefined && compareUtf8(previous, key) > 0) || !key.isWellFormed()) return false;
    if (!isCanonicalValue(record[key])) return false;
    previous = key;
  }
  return true;
}

/** True when JSON.stringify(event) gives exactly Go's bytes, but for escapes. */
function isWireForm(event: WebhookEvent): boolean {
  const record = event as Record<string, unknown>;
  const fields = FIELDS[event.kind];
  let index = 0;
  for (const key in record) {
    let field = fields[index];
    // Skip an absent omitempty field: `contextKind` or `metadata` may be missing.
    while (field !== undefined && field.key !== key && field.omitEmpty) field = fields[++index];
    if (field?.key !== key || !field.wireForm(record[key])) return false;
    index += 1;
  }
  for (; index < fields.length; index++) if (fields[index]?.omitEmpty !== true) return false;
  return true;
}

/**
 * Events as Go would write the `events` array's content (comma-separated, no brackets): one native
 * JSON.stringify for the whole slice when every event is in wire form, else event by event.
 * @throws {RangeError} for a circular structure.
 */
export function serializeEvents(events: readonly WebhookEvent[]): string {
  if (events.every(isWireForm)) return toGoEscapes(JSON.stringify(events)).slice(1, -1);
  return events.map(serializeEvent).join(",");
}

/** The `meta` object's bytes: keys sorted, Go escapes. */
export function serializeMeta(meta: Readonly<Record<string, string>>): string {
  return writeValue(meta);
}
