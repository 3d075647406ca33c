import { configError } from "../errors.js";
import type { WebhookExporterOptions } from "./options.js";

/** The options `webhookExporterOptionsFromEnv` can read: everything but functions and the dispatcher. */
export type EnvWebhookExporterOptions = Pick<
  WebhookExporterOptions,
  | "endpointUrl"
  | "secret"
  | "meta"
  | "headers"
  | "flushInterval"
  | "maxEventInMemory"
  | "eventType"
  | "timeout"
  | "closeTimeout"
  | "validateEvents"
  | "maxBufferedEvents"
  | "maxBatchBytes"
  | "retryBaseDelayMs"
  | "maxConcurrentRequests"
  | "spool"
  | "handleSignals"
>;

type Reader = (value: string, name: string) => unknown;

const text: Reader = (value) => value;

/** A whole, non-negative number, as the options take them; `Infinity` where the option allows it. */
function wholeNumber(allowInfinity: boolean): Reader {
  return (value, name) => {
    if (allowInfinity && value === "Infinity") return Infinity;
    if (!/^\d{1,15}$/.test(value)) throw configError(name, `must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

const boolean: Reader = (value, name) => {
  if (value === "true") return true;
  if (value === "false") return false;
  throw configError(name, `must be true or false, got ${JSON.stringify(value)}`);
};

const eventType: Reader = (value, name) => {
  if (value === "feature" || value === "tracking") return value;
  throw configError(name, `must be feature or tracking, got ${JSON.stringify(value)}`);
};

/**
 * `key1=value1,key2=value2`, as OpenTelemetry's `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`
 * write them; keys and values are percent-decoded. Values are never echoed: headers may hold credentials.
 */
function keyValueList(value: string, name: string): Record<string, string> {
  const entries: [string, string][] = [];
  for (const item of value.split(",")) {
    if (item.trim() === "") continue;
    const equals = item.indexOf("=");
    let key: string;
    let decoded: string;
    try {
      key = decodeURIComponent(item.slice(0, equals).trim());
      decoded = decodeURIComponent(item.slice(equals + 1).trim());
    } catch {
      throw configError(name, "has an entry that is not valid percent-encoding");
    }
    if (equals <= 0 || key === "") throw configError(name, "must be key=value pairs separated by commas");
    entries.push([key, decoded]);
  }
  // Object.fromEntries defines own properties: a key named "__proto__" is a key like any other.
  return Object.fromEntries(entries);
}

/** Each option, the suffix of its variable, and how its text is read. */
const VARIABLES: readonly [
  keyof EnvWebhookExporterOptions | "spoolDir" | "spoolMaxBytes" | "spoolSyncInterval",
  string,
  Reader,
][] = [
  ["endpointUrl", "ENDPOINT_URL", text],
  ["secret", "SECRET", text],
  ["meta", "META", keyValueList],
  ["headers", "HEADERS", keyValueList],
  ["flushInterval", "FLUSH_INTERVAL", wholeNumber(false)],
  ["maxEventInMemory", "MAX_EVENT_IN_MEMORY", wholeNumber(false)],
  ["eventType", "EVENT_TYPE", eventType],
  ["timeout", "TIMEOUT", wholeNumber(false)],
  ["closeTimeout", "CLOSE_TIMEOUT", wholeNumber(false)],
  ["validateEvents", "VALIDATE_EVENTS", boolean],
  ["maxBufferedEvents", "MAX_BUFFERED_EVENTS", wholeNumber(true)],
  ["maxBatchBytes", "MAX_BATCH_BYTES", wholeNumber(false)],
  ["retryBaseDelayMs", "RETRY_BASE_DELAY_MS", wholeNumber(false)],
  ["maxConcurrentRequests", "MAX_CONCURRENT_REQUESTS", wholeNumber(false)],
  ["spoolDir", "SPOOL_DIR", text],
  ["spoolMaxBytes", "SPOOL_MAX_BYTES", wholeNumber(false)],
  ["spoolSyncInterval", "SPOOL_SYNC_INTERVAL", wholeNumber(false)],
  ["handleSignals", "HANDLE_SIGNALS", boolean],
];

/** How many single-character edits turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * A set variable under the prefix that names no option is a misspelling (`FLUSHINTERVAL`): silently
 * ignored, the option would keep its default. Refused, naming it and the nearest known name.
 */
function refuseUnknown(env: Readonly<Record<string, string | undefined>>, prefix: string): void {
  const known = webhookExporterEnvNames(prefix);
  for (const name of Object.keys(env)) {
    if (!name.startsWith(prefix) || known.includes(name) || env[name] === undefined || env[name] === "") continue;
    const nearest = known.reduce((best, candidate) =>
      editDistance(name, candidate) < editDistance(name, best) ? candidate : best,
    );
    throw configError(name, `is not a variable webhookExporterOptionsFromEnv knows (did you mean ${nearest}?)`);
  }
}

/** The variable names read under `prefix`, for documentation and error messages. */
export function webhookExporterEnvNames(prefix = "WEBHOOK_EXPORTER_"): string[] {
  return VARIABLES.map(([, suffix]) => `${prefix}${suffix}`);
}

/**
 * Exporter options from environment variables (`<prefix>ENDPOINT_URL`, `<prefix>FLUSH_INTERVAL`...),
 * for containers: only the variables set (and not empty) appear in the result, so spread it under
 * your own options. Numbers are whole and checked as strictly as the options are; an error names the
 * variable, never a secret's or a header's value.
 *
 * ```ts
 * const exporter = createWebhookExporter({ ...webhookExporterOptionsFromEnv(process.env), onError });
 * ```
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` naming the variable.
 */
export function webhookExporterOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  prefix = "WEBHOOK_EXPORTER_",
): Partial<EnvWebhookExporterOptions> {
  refuseUnknown(env, prefix);
  const read: Record<string, unknown> = {};
  for (const [option, suffix, parse] of VARIABLES) {
    const name = `${prefix}${suffix}`;
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined || value === "") continue;
    read[option] = parse(value, name);
  }
  const { spoolDir, spoolMaxBytes, spoolSyncInterval, ...options } = read;
  if (spoolMaxBytes !== undefined && spoolDir === undefined)
    throw configError(`${prefix}SPOOL_MAX_BYTES`, `needs ${prefix}SPOOL_DIR`);
  if (spoolSyncInterval !== undefined && spoolDir === undefined)
    throw configError(`${prefix}SPOOL_SYNC_INTERVAL`, `needs ${prefix}SPOOL_DIR`);
  if (spoolDir !== undefined)
    options.spool = {
      dir: spoolDir,
      ...(spoolMaxBytes === undefined ? {} : { maxBytes: spoolMaxBytes }),
      ...(spoolSyncInterval === undefined ? {} : { syncInterval: spoolSyncInterval }),
    };
  return options;
}
