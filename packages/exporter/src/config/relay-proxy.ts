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

/** An item of the relay proxy's `exporters:` list: a webhook block, or another kind of GO Feature Flag exporter. */
export type RelayProxyExporterConfig = RelayProxyWebhookConfig | RelayProxyOtherExporterConfig;

/** An `exporters:` item of another kind than `webhook`: skipped, its other keys unread. */
export interface RelayProxyOtherExporterConfig {
  /** Its kind. */
  kind: RelayProxyOtherExporterKind;
  [key: string]: unknown;
}

/** The kinds of exporter GO Feature Flag's relay proxy has besides `webhook`: skipped in an `exporters:` list. */
export type RelayProxyOtherExporterKind =
  "log" | "file" | "s3" | "googleStorage" | "kafka" | "sqs" | "kinesis" | "pubsub" | "azureBlobStorage";

const OTHER_KINDS: ReadonlySet<string> = new Set<RelayProxyOtherExporterKind>([
  "log",
  "file",
  "s3",
  "googleStorage",
  "kafka",
  "sqs",
  "kinesis",
  "pubsub",
  "azureBlobStorage",
]);

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
 * Turns a relay proxy exporter block into exporter options, so a GO Feature Flag config moves unchanged;
 * given the `exporters:` list, the options of each webhook block in it, in order (one exporter each:
 * an exporter sends to one endpoint), the other kinds skipped. The values are then checked by
 * `createWebhookExporter` like any options.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` when `kind` is not `webhook` (in a list: not a kind
 * GO Feature Flag has), a key is unknown, or a list holds no webhook block; in a list the field is named
 * with its index (`exporters[1].kind`).
 */
export function webhookExporterOptionsFromRelayProxy(config: RelayProxyWebhookConfig): WebhookExporterOptions;
export function webhookExporterOptionsFromRelayProxy(
  exporters: readonly RelayProxyExporterConfig[],
): WebhookExporterOptions[];
export function webhookExporterOptionsFromRelayProxy(
  config: RelayProxyWebhookConfig | readonly RelayProxyExporterConfig[],
): WebhookExporterOptions | WebhookExporterOptions[] {
  if (!Array.isArray(config)) return fromBlock(config as RelayProxyWebhookConfig, "");
  const list = config as readonly RelayProxyExporterConfig[];
  const options: WebhookExporterOptions[] = [];
  list.forEach((block, index) => {
    const at = `exporters[${index}].`;
    if (typeof block !== "object" || (block as unknown) === null)
      throw configError(`exporters[${index}]`, "must be an object");
    if (OTHER_KINDS.has(block.kind)) return;
    options.push(fromBlock(block as RelayProxyWebhookConfig, at));
  });
  if (options.length === 0) throw configError("exporters", "holds no webhook exporter");
  return options;
}

/** One webhook block's options; `at` prefixes the field named in an error (its place in a list). */
function fromBlock(config: RelayProxyWebhookConfig, at: string): WebhookExporterOptions {
  if (typeof config !== "object" || (config as unknown) === null) throw configError("config", "must be an object");
  if ((config.kind as unknown) !== "webhook")
    throw configError(
      `${at}kind`,
      at === ""
        ? `must be "webhook" for this exporter`
        : `must be "webhook" or another kind of GO Feature Flag exporter`,
    );
  for (const key of Object.keys(config))
    if (!RELAY_KEYS.has(key)) throw configError(`${at}${key}`, "is not a key of the relay proxy's webhook exporter");
  const { kind: _kind, ...options } = config;
  return options;
}
