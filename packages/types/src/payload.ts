import type { FeatureEvent } from "./feature-event.js";
import type { TrackingEvent } from "./tracking-event.js";

/** Either kind of event. One exporter carries one kind, but a payload type does not need to know which. */
export type WebhookEvent = FeatureEvent | TrackingEvent;

/** The kinds of event, by their `kind` value. */
export type WebhookEventKind = WebhookEvent["kind"];

/**
 * The body of one webhook request: `{"meta":{...},"events":[...]}` (docs/wire-contract.md §1).
 * `meta` maps strings to strings and carries `hostname`; `events` is the batch, oldest first.
 */
export interface WebhookPayload<E extends WebhookEvent = WebhookEvent> {
  /** The sender's metadata, string to string; `hostname` is the sending machine's unless the sender set one. */
  meta: Record<string, string>;
  /** The batch, oldest first; one kind of event per exporter. */
  events: E[];
}

/** Human text for the two payload keys, shared by the validator's messages and the JSON Schema. */
export const payloadDescriptions = {
  meta: 'A map of string to string: the sender\'s meta, with "hostname" unless the sender gave one.',
  events: "The batch, oldest first.",
} as const;
