import type { InferShape } from "./field.js";

/**
 * The feature event, field by field in wire order (contract §2, the Go struct's order).
 * `contextKind` and `metadata` are omitted when empty, as Go's `omitempty` does.
 */
export const featureEventShape = {
  kind: { type: "string", const: "feature", description: 'Always "feature".' },
  contextKind: { type: "string", optional: true, description: '"user" or "anonymousUser"; omitted when empty.' },
  userKey: { type: "string", description: "The evaluation context's targeting key." },
  creationDate: {
    type: "unixSeconds",
    description: "When the flag was evaluated, in Unix seconds (not milliseconds).",
  },
  key: { type: "string", description: "The flag key." },
  variation: { type: "string", description: 'The variation name; "SdkDefault" when the SDK default was served.' },
  value: { type: "any", description: "The value served; any JSON value, null allowed." },
  default: { type: "boolean", description: "True when the evaluation failed and the default was served." },
  version: { type: "string", description: 'The flag\'s version, "" when none.' },
  source: {
    type: "string",
    description:
      '"SERVER" for evaluations made by the server; "PROVIDER_CACHE" for events collected from a provider\'s cache.',
  },
  metadata: { type: "object", optional: true, description: "Free per-event metadata; omitted when empty." },
} as const;

/** An evaluation of a flag (`kind: "feature"`), as sent on the wire. */
export type FeatureEvent = InferShape<typeof featureEventShape>;
