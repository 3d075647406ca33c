export type { ContextKind, FeatureEvent } from "./feature-event.js";
export { featureEventShape } from "./feature-event.js";
export type { TrackingEvent } from "./tracking-event.js";
export { trackingEventShape } from "./tracking-event.js";
export type { WebhookEvent, WebhookEventKind, WebhookPayload } from "./payload.js";
export type { FieldSpec, FieldType, InferShape, JsonValue, ShapeSpec } from "./field.js";
export type { ValidationIssue } from "./errors.js";
export { MAX_REPORTED_ISSUES, WebhookValidationError } from "./errors.js";
export type { SafeParseFailure, SafeParseResult, SafeParseSuccess } from "./validate.js";
export { isValidEvent, isValidFeatureEvent, isValidTrackingEvent } from "./is-valid-event.js";
export { MAX_EVENT_FIELD_DEPTH, MAX_JSON_DEPTH, nestsDeeperThan } from "./json-checks.js";
export {
  isFeatureEvent,
  isTrackingEvent,
  parseEvent,
  parsePayload,
  safeParseEvent,
  safeParsePayload,
} from "./validate.js";
export type { FeatureEventInit, TrackingEventInit } from "./create-event.js";
export { createFeatureEvent, createTrackingEvent } from "./create-event.js";
export type { JsonSchema } from "./json-schema.js";
export { featureEventJsonSchema, jsonSchemaFiles, payloadJsonSchema, trackingEventJsonSchema } from "./json-schema.js";
export type { SecretKeys, SecretKeysError } from "./secret-keys.js";
export { deriveSecretKeys } from "./secret-keys.js";
export type { SignedFields, SigningScheme, SigningSchemeName } from "./signature-schemes.js";
export { hubSigning, SIGNING_SCHEME_NAMES, standardSigning, toBase64, toHex } from "./signature-schemes.js";
