import { hostname } from "node:os";
import { deriveSecretKeys, type SecretKeys } from "@org/webhook-types";
import type { Dispatcher } from "undici";
import { configError, describeReceived } from "../errors.js";
import { resolveHeaders, type HeaderValues } from "./headers.js";
import type { MeterLike } from "../observe/metrics.js";
import type { ObserverOptions } from "../observe/observer.js";

/**
 * The durable spool: every event added is written to disk (and fsynced) within `syncInterval`, and
 * kept there until delivered, across failures, crashes and restarts.
 */
export interface SpoolOptions {
  /** A directory of its own (one exporter per directory; a lock file enforces it). */
  dir: string;
  /** The most bytes the spool may hold; past it, its oldest batch is dropped and reported. @default 268435456 (256 MiB) */
  maxBytes?: number | undefined;
  /**
   * Milliseconds between group commits: the events added since the last one are appended to the
   * spool in one write and one fsync. A crash loses at most the events of the last interval.
   * @default 200
   */
  syncInterval?: number | undefined;
}

/** Options of `createWebhookExporter`. The first seven are GO Feature Flag's, with its names and defaults. */
export interface WebhookExporterOptions extends ObserverOptions {
  /** Where to POST (http or https). Required. */
  endpointUrl: string;
  /**
   * Signs each body (`X-Hub-Signature-256`, `webhook-signature`). A `whsec_` secret must be `whsec_` and
   * base64, as `@org/webhook-verify` requires. Absent or `""`: requests go unsigned, as GO Feature Flag
   * sends them, and the exporter warns once at creation.
   */
  secret?: string | undefined;
  /** Sent as `meta`; `hostname` is added from `os.hostname()` unless given. */
  meta?: Readonly<Record<string, string>> | undefined;
  /** Extra headers, one value or a list each. CR/LF refused; `Content-Type` and the signature headers cannot be replaced. */
  headers?: HeaderValues | undefined;
  /** Milliseconds between flushes; 0 means the default. @default 60000 */
  flushInterval?: number | undefined;
  /** A flush starts (in the background) once this many events wait; also the most events per request. 0 means the default. @default 100000 */
  maxEventInMemory?: number | undefined;
  /** The one kind of event this exporter carries. @default "feature" */
  eventType?: "feature" | "tracking" | undefined;
  /** Milliseconds one request may take, in all. @default 10000 */
  timeout?: number | undefined;
  /** An undici `Dispatcher` (a `ProxyAgent`, a `MockAgent`...); by default the exporter keeps one keep-alive pool of its own. */
  dispatcher?: Dispatcher | undefined;
  /** The most milliseconds `close()` spends on its final flush. @default 10000 */
  closeTimeout?: number | undefined;
  /**
   * Also walk each event's nested values in `add()` and throw for one JSON cannot hold. The shallow
   * checks (kind, required fields and their types, `creationDate` in seconds) run always.
   * @default process.env.NODE_ENV !== "production"
   */
  validateEvents?: boolean | undefined;
  /**
   * The most events kept in memory; past it the oldest go to the spool, or are dropped and reported.
   * `Infinity` allowed. About 0.9 KB per event of GO Feature Flag's usual shape: the default holds about 180 MB.
   * @default the larger of 200000 and 2 * maxEventInMemory
   */
  maxBufferedEvents?: number | undefined;
  /** The most body bytes per request, measured on the real serialized body. @default 5242880 (5 MiB) */
  maxBatchBytes?: number | undefined;
  /** First retry delay; doubles per failure (full jitter), capped at `flushInterval`. @default 1000 */
  retryBaseDelayMs?: number | undefined;
  /**
   * The most requests in flight at once (and connections to the endpoint): a backlog, spooled batches
   * after an outage say, drains this many at a time (one at a time while the endpoint fails). `1`
   * sends one batch at a time, in order.
   * @default 8
   */
  maxConcurrentRequests?: number | undefined;
  /** Keep unsent batches on disk across failures and restarts. Off by default. */
  spool?: SpoolOptions | undefined;
  /** Close (and spool) on SIGTERM and SIGINT, then let the process exit as it would have. @default false */
  handleSignals?: boolean | undefined;
  /**
   * An OpenTelemetry `Meter` (`metrics.getMeter("@org/webhook-exporter")` from `@opentelemetry/api`):
   * the exporter then records its counters, histograms and gauge there. Off by default.
   */
  meter?: MeterLike | undefined;
}

/** The defaults, in one place. */
export const DEFAULTS: Readonly<{
  /** `flushInterval`: 60000 ms. */
  flushInterval: number;
  /** `maxEventInMemory`: 100000 events. */
  maxEventInMemory: number;
  /** `eventType`. */
  eventType: "feature";
  /** `timeout`: 10000 ms. */
  timeout: number;
  /** `closeTimeout`: 10000 ms. */
  closeTimeout: number;
  /** `maxBatchBytes`: 5 MiB. */
  maxBatchBytes: number;
  /** `retryBaseDelayMs`: 1000 ms. */
  retryBaseDelayMs: number;
  /** `maxConcurrentRequests`: 8. */
  maxConcurrentRequests: number;
  /** The floor of `maxBufferedEvents` (the default is the larger of this and 2 × `maxEventInMemory`). */
  maxBufferedEvents: number;
  /** `spool.maxBytes`: 256 MiB. */
  spoolMaxBytes: number;
  /** `spool.syncInterval`: 200 ms. */
  spoolSyncInterval: number;
}> = Object.freeze({
  flushInterval: 60_000,
  maxEventInMemory: 100_000,
  eventType: "feature",
  timeout: 10_000,
  closeTimeout: 10_000,
  maxBatchBytes: 5 * 1024 * 1024,
  retryBaseDelayMs: 1_000,
  maxConcurrentRequests: 8,
  maxBufferedEvents: 200_000,
  spoolMaxBytes: 256 * 1024 * 1024,
  spoolSyncInterval: 200,
});

/** Options checked, defaults filled. */
export interface ResolvedOptions extends ObserverOptions {
  readonly endpointUrl: URL;
  /** The secret's keys (the rule `@org/webhook-verify` uses), or `undefined` to send unsigned. */
  readonly signingKeys: SecretKeys | undefined;
  readonly metaJsonSource: Readonly<Record<string, string>>;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly flushIntervalMs: number;
  readonly maxEventInMemory: number;
  readonly eventType: "feature" | "tracking";
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly closeTimeoutMs: number;
  readonly validateEvents: boolean;
  readonly maxBufferedEvents: number;
  readonly maxBatchBytes: number;
  readonly retryBaseDelayMs: number;
  readonly maxConcurrentRequests: number;
  readonly spool: ResolvedSpoolOptions | undefined;
  readonly handleSignals: boolean;
  readonly meter: MeterLike | undefined;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  "endpointUrl",
  "secret",
  "meta",
  "headers",
  "flushInterval",
  "maxEventInMemory",
  "eventType",
  "timeout",
  "dispatcher",
  "closeTimeout",
  "validateEvents",
  "maxBufferedEvents",
  "maxBatchBytes",
  "retryBaseDelayMs",
  "maxConcurrentRequests",
  "spool",
  "handleSignals",
  "onFlush",
  "onError",
  "onDrop",
  "logger",
  "meter",
]);

/**
 * Node's timers hold a signed 32-bit delay: a longer one fires after 1 ms instead (with a warning), so
 * a delay past it would spin the timer instead of waiting.
 */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

function positiveInteger(
  field: string,
  value: unknown,
  fallback: number,
  options: { zeroMeansDefault?: boolean; unit?: string; max?: number; maxReason?: string } = {},
): number {
  if (value === undefined || (options.zeroMeansDefault === true && value === 0)) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw configError(
      field,
      `must be a positive integer${options.unit ? ` (${options.unit})` : ""}, got ${describeReceived(value)}`,
    );
  }
  if (options.max !== undefined && value > options.max) {
    throw configError(
      field,
      `must be at most ${options.max}${options.unit ? ` ${options.unit}` : ""} (${options.maxReason ?? "the longest delay a Node.js timer holds"}), got ${value}`,
    );
  }
  return value;
}

/** A delay in milliseconds that a Node.js timer can hold. */
function timerMs(field: string, value: unknown, fallback: number, zeroMeansDefault = false): number {
  return positiveInteger(field, value, fallback, { zeroMeansDefault, unit: "ms", max: MAX_TIMER_MS });
}

function resolveSecret(value: unknown): SecretKeys | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw configError("secret", "must be a string");
  const keys = deriveSecretKeys(value);
  if ("error" in keys) throw configError("secret", keys.error);
  return keys;
}

function resolveEndpoint(value: unknown): URL {
  if (Array.isArray(value))
    throw configError(
      "endpointUrl",
      "must be one URL: create one exporter per endpoint (webhookExporterOptionsFromRelayProxy reads a relay proxy's exporters: list)",
    );
  if (typeof value !== "string" || value === "")
    throw configError("endpointUrl", "is required: the URL to POST events to");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError("endpointUrl", "must be an absolute http or https URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw configError("endpointUrl", `must use http or https, got ${url.protocol}`);
  return url;
}

const metaHostname = () =>
  systemHostname("meta.hostname", "cannot be read from the system; give meta.hostname, or allow it");

/**
 * `os.hostname()`, which Deno refuses without `--allow-sys` (`NotCapable`): then an error naming `field`
 * that says what to do, `why` the name is needed.
 */
export function systemHostname(field: string, why: string): string {
  try {
    return hostname();
  } catch (error) {
    throw configError(field, `${why} (${(error as Error).name}: on Deno, run with --allow-sys=hostname)`, error);
  }
}

/** `NODE_ENV === "production"`; false where the environment cannot be read (Deno without --allow-env). */
function isProduction(): boolean {
  try {
    return process.env.NODE_ENV === "production";
  } catch {
    return false;
  }
}

function resolveMeta(value: unknown): Record<string, string> {
  if (value === undefined) return { hostname: metaHostname() };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw configError("meta", "must be an object mapping strings to strings");
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== "string")
      throw configError(`meta[${JSON.stringify(key.slice(0, 40))}]`, `must be a string, got ${describeReceived(item)}`);
  }
  // The user's hostname wins, as in GO Feature Flag; the system is asked only when none is given.
  const meta = value as Record<string, string>;
  return Object.hasOwn(meta, "hostname") ? { ...meta } : { hostname: metaHostname(), ...meta };
}

function optionalFunction(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") throw configError(field, "must be a function");
}

/** `spool` checked, defaults filled. */
export interface ResolvedSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly syncIntervalMs: number;
}

function resolveSpool(value: unknown): ResolvedSpoolOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null)
    throw configError("spool", "must be an object { dir, maxBytes?, syncInterval? }");
  const { dir, maxBytes, syncInterval, ...rest } = value as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) throw configError(`spool.${unknownKey}`, "is not a known option");
  if (typeof dir !== "string" || dir === "") throw configError("spool.dir", "must be a directory path");
  return {
    dir,
    maxBytes: positiveInteger("spool.maxBytes", maxBytes, DEFAULTS.spoolMaxBytes, { unit: "bytes" }),
    syncIntervalMs: timerMs("spool.syncInterval", syncInterval, DEFAULTS.spoolSyncInterval),
  };
}

/**
 * Checks every option once, naming the field and what it must be; never clamps silently.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` with `field`.
 */
export function resolveOptions(input: WebhookExporterOptions): ResolvedOptions {
  if (typeof input !== "object") throw configError("options", "must be an object");
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) throw configError(key, "is not a known option");
  const endpointUrl = resolveEndpoint(input.endpointUrl);
  const signingKeys = resolveSecret(input.secret);
  const eventType: unknown = input.eventType ?? DEFAULTS.eventType;
  if (eventType !== "feature" && eventType !== "tracking")
    throw configError("eventType", `must be "feature" or "tracking", got ${describeReceived(eventType)}`);
  const maxEventInMemory = positiveInteger("maxEventInMemory", input.maxEventInMemory, DEFAULTS.maxEventInMemory, {
    zeroMeansDefault: true,
  });
  const maxBufferedEvents =
    input.maxBufferedEvents === Infinity
      ? Infinity
      : positiveInteger(
          "maxBufferedEvents",
          input.maxBufferedEvents,
          Math.max(DEFAULTS.maxBufferedEvents, 2 * maxEventInMemory),
        );
  if (maxBufferedEvents < maxEventInMemory) {
    throw configError(
      "maxBufferedEvents",
      `must be at least maxEventInMemory (${maxEventInMemory}), got ${maxBufferedEvents}`,
    );
  }
  if (input.dispatcher !== undefined && typeof (input.dispatcher as { dispatch?: unknown }).dispatch !== "function") {
    throw configError("dispatcher", "must be an undici Dispatcher");
  }
  if (input.validateEvents !== undefined && typeof input.validateEvents !== "boolean")
    throw configError("validateEvents", "must be a boolean");
  if (input.handleSignals !== undefined && typeof input.handleSignals !== "boolean")
    throw configError("handleSignals", "must be a boolean");
  for (const hook of ["onFlush", "onError", "onDrop"] as const) optionalFunction(hook, input[hook]);
  const logger = input.logger;
  if (
    logger !== undefined &&
    !(["debug", "info", "warn", "error"] as const).every((level) => typeof logger[level] === "function")
  ) {
    throw configError("logger", "must have debug, info, warn and error methods");
  }
  const meter = input.meter;
  if (
    meter !== undefined &&
    !(["createCounter", "createHistogram", "createObservableCounter", "createObservableGauge"] as const).every(
      (method) => typeof (meter as Partial<MeterLike> | null)?.[method] === "function",
    )
  ) {
    throw configError("meter", "must be an OpenTelemetry Meter (metrics.getMeter(...) from @opentelemetry/api)");
  }
  return {
    endpointUrl,
    signingKeys,
    metaJsonSource: resolveMeta(input.meta),
    headers: resolveHeaders(input.headers),
    flushIntervalMs: timerMs("flushInterval", input.flushInterval, DEFAULTS.flushInterval, true),
    maxEventInMemory,
    eventType,
    timeoutMs: timerMs("timeout", input.timeout, DEFAULTS.timeout),
    dispatcher: input.dispatcher,
    closeTimeoutMs: timerMs("closeTimeout", input.closeTimeout, DEFAULTS.closeTimeout),
    validateEvents: input.validateEvents ?? !isProduction(),
    maxBufferedEvents,
    maxBatchBytes: positiveInteger("maxBatchBytes", input.maxBatchBytes, DEFAULTS.maxBatchBytes, { unit: "bytes" }),
    retryBaseDelayMs: timerMs("retryBaseDelayMs", input.retryBaseDelayMs, DEFAULTS.retryBaseDelayMs),
    maxConcurrentRequests: positiveInteger(
      "maxConcurrentRequests",
      input.maxConcurrentRequests,
      DEFAULTS.maxConcurrentRequests,
      { max: 64, maxReason: "more would only crowd the endpoint" },
    ),
    spool: resolveSpool(input.spool),
    handleSignals: input.handleSignals ?? false,
    onFlush: input.onFlush,
    onError: input.onError,
    onDrop: input.onDrop,
    logger,
    meter,
  };
}

/** The endpoint without credentials, query or fragment: safe for messages and logs. */
export function describeEndpoint(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
