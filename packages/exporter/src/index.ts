export type { ExporterStats, FlushResult, WebhookExporter } from "./exporter-api.js";
export { createWebhookExporter } from "./exporter.js";
export type { SpoolOptions, WebhookExporterOptions } from "./options.js";
export { DEFAULTS } from "./options.js";
export type { RelayProxyWebhookConfig } from "./relay-proxy.js";
export { webhookExporterOptionsFromRelayProxy } from "./relay-proxy.js";
export type { SendFailureReason, WebhookExporterErrorCode } from "./errors.js";
export { WebhookExporterError } from "./errors.js";
export type { DropDetails, DropReason, ExporterLogger, FlushInfo } from "./observer.js";
export { DIAGNOSTICS_CHANNELS } from "./observer.js";
export type { HeaderValues } from "./headers.js";
export { serializeEvent, serializeMeta } from "./serializer.js";
export type {
  FeatureEvent,
  FeatureEventInit,
  TrackingEvent,
  TrackingEventInit,
  WebhookEvent,
} from "@org/webhook-types";
export { createFeatureEvent, createTrackingEvent } from "@org/webhook-types";
export type { EnvWebhookExporterOptions } from "./options-from-env.js";
export { webhookExporterEnvNames, webhookExporterOptionsFromEnv } from "./options-from-env.js";
export type {
  CounterLike,
  HistogramLike,
  InstrumentOptionsLike,
  MeterLike,
  MetricAttributes,
  ObservableLike,
  ObservableResultLike,
} from "./metrics.js";
