import type { FeatureEvent, TrackingEvent, WebhookEvent } from "@org/webhook-types";

// Postgres text and jsonb cannot hold U+0000, and jsonb refuses an escaped lone surrogate; a signed,
// valid event may contain either. Both become U+FFFD here, so that such an event is stored (nearly)
// as sent instead of failing its whole batch on every retry, forever.

/** Text as a Postgres text column can hold it. */
export function pgText(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text;
}

// An escape in JSON.stringify's output, preceded by an even number of backslashes (so it is an escape,
// not escaped text): \u0000, or a lone surrogate (stringify escapes only lone ones).
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/** A JSON value as text Postgres' jsonb accepts; `null` stays JSON null. */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes("\\u") ? json.replace(UNSTORABLE_ESCAPE, "$1\\ufffd") : json;
}

/** The last second `timestamptz` input takes as a plain date (9999-12-31T23:59:59Z). */
const LAST_STORABLE_SECOND = 253402300799;

/** Columns as parallel arrays, for one `INSERT ... SELECT * FROM unnest(...)` per table and batch. */
export interface FeatureColumns {
  position: number[];
  contextKind: (string | null)[];
  userKey: string[];
  creationSecs: number[];
  creationDate: (string | null)[];
  flagKey: string[];
  variation: string[];
  value: string[];
  isDefault: boolean[];
  version: string[];
  source: string[];
  metadata: (string | null)[];
}

export interface TrackingColumns {
  position: number[];
  contextKind: (string | null)[];
  userKey: string[];
  creationSecs: number[];
  creationDate: (string | null)[];
  eventKey: string[];
  evaluationContext: (string | null)[];
  trackingEventDetails: (string | null)[];
}

function dateOf(seconds: number): string | null {
  return seconds <= LAST_STORABLE_SECOND ? new Date(seconds * 1000).toISOString() : null;
}

/** Splits a batch into the two tables' columns, each event keeping its position in the batch. */
export function toColumns(events: readonly WebhookEvent[]): { feature: FeatureColumns; tracking: TrackingColumns } {
  const feature: FeatureColumns = {
    position: [],
    contextKind: [],
    userKey: [],
    creationSecs: [],
    creationDate: [],
    flagKey: [],
    variation: [],
    value: [],
    isDefault: [],
    version: [],
    source: [],
    metadata: [],
  };
  const tracking: TrackingColumns = {
    position: [],
    contextKind: [],
    userKey: [],
    creationSecs: [],
    creationDate: [],
    eventKey: [],
    evaluationContext: [],
    trackingEventDetails: [],
  };
  events.forEach((event, position) => {
    const columns = event.kind === "feature" ? feature : tracking;
    columns.position.push(position);
    columns.contextKind.push(event.contextKind === undefined ? null : pgText(event.contextKind));
    columns.userKey.push(pgText(event.userKey));
    columns.creationSecs.push(event.creationDate);
    columns.creationDate.push(dateOf(event.creationDate));
    if (event.kind === "feature") addFeature(feature, event);
    else addTracking(tracking, event);
  });
  return { feature, tracking };
}

function addFeature(columns: FeatureColumns, event: FeatureEvent): void {
  columns.flagKey.push(pgText(event.key));
  columns.variation.push(pgText(event.variation));
  columns.value.push(pgJson(event.value));
  columns.isDefault.push(event.default);
  columns.version.push(pgText(event.version));
  columns.source.push(pgText(event.source));
  columns.metadata.push(event.metadata === undefined ? null : pgJson(event.metadata));
}

function addTracking(columns: TrackingColumns, event: TrackingEvent): void {
  columns.eventKey.push(pgText(event.key));
  columns.evaluationContext.push(event.evaluationContext === null ? null : pgJson(event.evaluationContext));
  columns.trackingEventDetails.push(event.trackingEventDetails === null ? null : pgJson(event.trackingEventDetails));
}
