/**
 * The feature event, field by field in wire order (docs/wire-contract.md §2, the Go struct's order).
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

/**
 * The kinds of context GO Feature Flag writes: `"user"`, or `"anonymousUser"` for an anonymous one. Its
 * Go struct takes any string, so any other string is accepted too (and autocompletion offers these two).
 */
// `string & {}` keeps the two names in autocompletion while accepting any string, as the Go struct does.
export type ContextKind = "user" | "anonymousUser" | (string & {});

/**
 * An evaluation of a flag (`kind: "feature"`), as sent on the wire, fields in wire order (docs/wire-contract.md §2).
 * Written out for its documentation; a type test holds it to `featureEventShape`, from which the
 * validator and the JSON Schema are made.
 */
// A type literal, not an interface: an event is a plain JSON object, assignable to Record<string, unknown>.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type FeatureEvent = {
  /** Always `"feature"`. */
  kind: "feature";
  /** `"user"`, or `"anonymousUser"` for an anonymous context; omitted when empty. */
  contextKind?: ContextKind;
  /** The evaluation context's targeting key (the user's id). */
  userKey: string;
  /** When the flag was evaluated, in Unix **seconds** (not milliseconds): a whole number, 0 or more. */
  creationDate: number;
  /** The flag's key. */
  key: string;
  /** The variation served, by name; `"SdkDefault"` when the SDK's default value was served. */
  variation: string;
  /** The value served: any JSON value, `null` included. */
  value: unknown;
  /** `true` when the evaluation failed and the default value was served. */
  default: boolean;
  /** The flag's version; `""` when it has none. */
  version: string;
  /** `"SERVER"` for evaluations made by the server; `"PROVIDER_CACHE"` for events a provider collected from its cache. */
  source: string;
  /** Free metadata of this event (a JSON object); omitted when empty. */
  metadata?: Record<string, unknown>;
};
