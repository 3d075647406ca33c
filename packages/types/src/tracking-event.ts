import type { ContextKind } from "./feature-event.js";

/** The tracking event, field by field in wire order (docs/wire-contract.md §2). */
export const trackingEventShape = {
  kind: { type: "string", const: "tracking", description: 'Always "tracking".' },
  contextKind: { type: "string", optional: true, description: '"user" or "anonymousUser"; omitted when empty.' },
  userKey: { type: "string", description: "The evaluation context's targeting key." },
  creationDate: { type: "unixSeconds", description: "When the event happened, in Unix seconds (not milliseconds)." },
  key: { type: "string", description: "The tracking event's name." },
  evaluationContext: { type: "objectOrNull", description: "The whole evaluation context, or null." },
  trackingEventDetails: { type: "objectOrNull", description: "The event's details, or null." },
} as const;

/**
 * A custom business event (`kind: "tracking"`, sent by `client.track(...)`), as sent on the wire,
 * fields in wire order (docs/wire-contract.md §2). A type test holds it to `trackingEventShape`.
 */
// A type literal, not an interface: an event is a plain JSON object, assignable to Record<string, unknown>.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type TrackingEvent = {
  /** Always `"tracking"`. */
  kind: "tracking";
  /** `"user"`, or `"anonymousUser"` for an anonymous context; omitted when empty. */
  contextKind?: ContextKind;
  /** The evaluation context's targeting key (the user's id). */
  userKey: string;
  /** When the event happened, in Unix **seconds** (not milliseconds): a whole number, 0 or more. */
  creationDate: number;
  /** The tracking event's name (what `track(name)` was given). */
  key: string;
  /** The whole evaluation context the event was tracked with (a JSON object), or `null`. */
  evaluationContext: Record<string, unknown> | null;
  /** The event's details (`trackingEventDetails` of `track`: a JSON object), or `null`. */
  trackingEventDetails: Record<string, unknown> | null;
};
