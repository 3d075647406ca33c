import { featureEventShape } from "./feature-event.js";
import type { FieldSpec, ShapeSpec } from "./field.js";
import { payloadDescriptions } from "./payload.js";
import { trackingEventShape } from "./tracking-event.js";

/** A JSON Schema document or sub-schema (draft 2020-12), as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

const DIALECT = "https://json-schema.org/draft/2020-12/schema";
const ID_BASE = "https://org.github.io/webhook-types/schema/";

function fieldSchema(spec: FieldSpec): JsonSchema {
  const description = spec.description;
  if (spec.const !== undefined) return { description, const: spec.const };
  switch (spec.type) {
    case "string":
      return { description, type: "string" };
    case "boolean":
      return { description, type: "boolean" };
    case "unixSeconds":
      // Same bound as the validator: above it, the value is milliseconds.
      return { description, type: "integer", minimum: 0, maximum: 99_999_999_999 };
    case "object":
      return { description, type: "object" };
    case "objectOrNull":
      return { description, type: ["object", "null"] };
    case "any":
      return { description };
  }
}

function shapeSchema(title: string, shape: ShapeSpec): JsonSchema {
  const entries = Object.entries(shape);
  return {
    title,
    type: "object",
    properties: Object.fromEntries(entries.map(([key, spec]) => [key, fieldSchema(spec)])),
    required: entries.filter(([, spec]) => spec.optional !== true).map(([key]) => key),
    additionalProperties: true,
  };
}

/** JSON Schema of a feature event (`@org/webhook-types/schema/feature-event.json`). */
export const featureEventJsonSchema: JsonSchema = {
  $schema: DIALECT,
  $id: `${ID_BASE}feature-event.json`,
  ...shapeSchema("Feature event", featureEventShape),
};

/** JSON Schema of a tracking event (`@org/webhook-types/schema/tracking-event.json`). */
export const trackingEventJsonSchema: JsonSchema = {
  $schema: DIALECT,
  $id: `${ID_BASE}tracking-event.json`,
  ...shapeSchema("Tracking event", trackingEventShape),
};

/** JSON Schema of a webhook body (`@org/webhook-types/schema/payload.json`), self-contained. */
export const payloadJsonSchema: JsonSchema = {
  $schema: DIALECT,
  $id: `${ID_BASE}payload.json`,
  title: "Webhook payload",
  type: "object",
  properties: {
    meta: { description: payloadDescriptions.meta, type: "object", additionalProperties: { type: "string" } },
    events: {
      description: payloadDescriptions.events,
      type: "array",
      items: { oneOf: [{ $ref: "#/$defs/featureEvent" }, { $ref: "#/$defs/trackingEvent" }] },
    },
  },
  required: ["meta", "events"],
  additionalProperties: true,
  $defs: {
    featureEvent: shapeSchema("Feature event", featureEventShape),
    trackingEvent: shapeSchema("Tracking event", trackingEventShape),
  },
};

/** The three schemas by file name, as published under `schema/`. */
export const jsonSchemaFiles: Readonly<Record<string, JsonSchema>> = {
  "feature-event.json": featureEventJsonSchema,
  "tracking-event.json": trackingEventJsonSchema,
  "payload.json": payloadJsonSchema,
};
