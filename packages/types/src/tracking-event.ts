import type { InferShape } from "./field.js";

/** The tracking event, field by field in wire order (contract §2). */
export const trackingEventShape = {
  kind: { type: "string", const: "tracking", description: 'Always "tracking".' },
  contextKind: { type: "string", optional: true, description: '"user" or "anonymousUser"; omitted when empty.' },
  userKey: { type: "string", description: "The evaluation context's targeting key." },
  creationDate: { type: "unixSeconds", description: "When the event happened, in Unix seconds (not milliseconds)." },
  key: { type: "string", description: "The tracking event's name." },
  evaluationContext: { type: "objectOrNull", description: "The whole evaluation context, or null." },
  trackingEventDetails: { type: "objectOrNull", description: "The event's details, or null." },
} as const;

/** A custom business event (`kind: "tracking"`), as sent on the wire. */
export type TrackingEvent = InferShape<typeof trackingEventShape>;
