export type { ExporterStats, FlushResult, WebhookExporter } from "./exporter-api.js";
export { createWebhookExporter } from "./exporter.js";
export type { SpoolOptions, WebhookExporterOptions } from "./config/options.js";
export { DEFAULTS } from "./config/options.js";
export type {
  RelayProxyExporterConfig,
  RelayProxyOtherExporterConfig,
  RelayProxyOtherExporterKind,
  RelayProxyWebhookConfig,
} from "./config/relay-proxy.js";
export { webhookExporterOptionsFromRelayProxy } from "./config/relay-proxy.js";
export type { SendFailureReason, WebhookExporterErrorCode } from "./errors.js";
export { WebhookExporterError } from "./errors.js";
export type { DropDetails, DropReason, ExporterLogger, FlushInfo } from "./observe/observer.js";
export { DIAGNOSTICS_CHANNELS } from "./observe/observer.js";
export type { HeaderValues } from "./config/headers.js";
export { serializeEvent, serializeMeta } from "./wire/serializer.js";
export type {
  FeatureEvent,
  FeatureEventInit,
  TrackingEvent,
  TrackingEventInit,
  WebhookEvent,
} from "@org/webhook-types";
export { createFeatureEvent, createTrackingEvent } from "@org/webhook-types";
export type { EnvWebhookExporterOptions } from "./config/options-from-env.js";
export { webhookExporterEnvNames, webhookExporterOptionsFromEnv } from "./config/options-from-env.js";
export type {
  CounterLike,
  HistogramLike,
  InstrumentOptionsLike,
  MeterLike,
  MetricAttributes,
  ObservableLike,
  ObservableResultLike,
} from "./observe/metrics.js";
