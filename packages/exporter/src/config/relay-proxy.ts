import { configError } from "../errors.js";
import type { WebhookExporterOptions } from "./options.js";

/** One exporter block of GO Feature Flag's relay proxy YAML (`exporter:` or an `exporters:` item), parsed. */
export interface RelayProxyWebhookConfig {
  /** Must be `"webhook"`. */
  kind: "webhook";
  /** As the option `endpointUrl`. */
  endpointUrl: string;
  /** As the option `flushInterval` (ms). */
  flushInterval?: number;
  /** As the option `maxEventInMemory`. */
  maxEventInMemory?: number;
  /** As the option `secret`. */
  secret?: string;
  /** As the option `meta`. */
  meta?: Record<string, string>;
  /** As the option `headers`. */
  headers?: Record<string, string | string[]>;
  /** As the option `eventType`. */
  eventType?: "feature" | "tracking";
}

const RELAY_KEYS: ReadonlySet<string> = new Set([
  "kind",
  "endpointUrl",
  "flushInterval",
  "maxEventInMemory",
  "secret",
  "meta",
  "headers",
  "eventType",
]);

/**
 * Turns a relay proxy exporter block into exporter options, so a GO Feature Flag config moves unchanged.
 * The block's values are then checked by `createWebhookExporter` like any options.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` when `kind` is not `webhook` or a key is unknown.
 */
export function webhookExporterOptionsFromRelayProxy(config: RelayProxyWebhookConfig): WebhookExporterOptions {
  if (typeof config !== "object") throw configError("config", "must be an object");
  if ((config.kind as unknown) !== "webhook") throw configError("kind", `must be "webhook" for this exporter`);
  for (const key of Object.keys(config))
    if (!RELAY_KEYS.has(key)) throw configError(key, "is not a key of the relay proxy's webhook exporter");
  const { kind: _kind, ...options } = config;
  return options;
}
