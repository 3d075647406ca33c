/**
 * The tiny schema language the event shapes are written in. One description per field gives the
 * TypeScript type (via {@link InferShape}), the runtime validator and the JSON Schema, so the three
 * cannot disagree.
 */

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a field may hold on the wire. */
export type FieldType =
  /** a JSON string */
  | "string"
  /** a JSON boolean */
  | "boolean"
  /** a non-negative integer of Unix seconds (docs/wire-contract.md §2: seconds, not milliseconds) */
  | "unixSeconds"
  /** any JSON value, `null` included; the key must be present */
  | "any"
  /** a JSON object (not an array, not null) */
  | "object"
  /** a JSON object or `null` */
  | "objectOrNull";

/** One field of an event shape. */
export interface FieldSpec {
  /** What the field may hold on the wire. */
  readonly type: FieldType;
  /** The only value allowed (the `kind` discriminator). */
  readonly const?: string;
  /** Omitted when empty (Go's `omitempty`): the key may be absent. */
  readonly optional?: boolean;
  /** Human text, copied into the JSON Schema. */
  readonly description: string;
}

/** An event shape: its fields, in wire order (the Go struct's order, docs/wire-contract.md §2). */
export type ShapeSpec = Readonly<Record<string, FieldSpec>>;

type ValueOf<F extends FieldSpec> = F extends { readonly const: infer C }
  ? C
  : F["type"] extends "string"
    ? string
    : F["type"] extends "boolean"
      ? boolean
      : F["type"] extends "unixSeconds"
        ? number
        : F["type"] extends "object"
          ? Record<string, unknown>
          : F["type"] extends "objectOrNull"
            ? Record<string, unknown> | null
            : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of an object that matches a {@link ShapeSpec}. */
export type InferShape<S extends ShapeSpec> = Simplify<
  { -readonly [K in keyof S as S[K] extends { readonly optional: true } ? never : K]: ValueOf<S[K]> } & {
    -readonly [K in keyof S as S[K] extends { readonly optional: true } ? K : never]?: ValueOf<S[K]>;
  }
>;
