import type { WebhookExporterError } from "../errors.js";
import type { DropReason, FlushInfo } from "./observer.js";

/** Attribute values, as OpenTelemetry takes them. */
export type MetricAttributes = Record<string, string | number | boolean>;

/** What an asynchronous instrument's callback reports to. */
export interface ObservableResultLike {
  /** Reports the instrument's value for one set of attributes. */
  observe(value: number, attributes?: MetricAttributes): void;
}

/** An asynchronous instrument: its value is read when the metrics are collected. */
export interface ObservableLike {
  /** Registers what reports the value at each collection. */
  addCallback(callback: (result: ObservableResultLike) => void): void;
}

/** An instrument's description and unit. */
export interface InstrumentOptionsLike {
  /** What the instrument measures. */
  description?: string;
  /** Its unit, in UCUM (`s`, `By`, `{event}`). */
  unit?: string;
  /** What the SDK should aggregate with, unless a view says otherwise: a histogram's bucket boundaries. */
  advice?: {
    /** A histogram's bucket boundaries, in the instrument's unit. */
    explicitBucketBoundaries?: number[];
  };
}

/**
 * The part of an OpenTelemetry `Meter` the exporter uses, written out so that the package needs no
 * OpenTelemetry at all unless you pass one: `metrics.getMeter("@org/webhook-exporter")` from
 * `@opentelemetry/api` fits.
 */
export interface MeterLike {
  /** A monotonic counter. */
  readonly createCounter: (name: string, options?: InstrumentOptionsLike) => CounterLike;
  /** A histogram. */
  readonly createHistogram: (name: string, options?: InstrumentOptionsLike) => HistogramLike;
  /** A monotonic counter read at collection. */
  readonly createObservableCounter: (name: string, options?: InstrumentOptionsLike) => ObservableLike;
  /** A gauge read at collection. */
  readonly createObservableGauge: (name: string, options?: InstrumentOptionsLike) => ObservableLike;
}

/** A counter, as OpenTelemetry's. */
export interface CounterLike {
  /** Adds `value` (0 or more) for one set of attributes. */
  add(value: number, attributes?: MetricAttributes): void;
}

/** A histogram, as OpenTelemetry's. */
export interface HistogramLike {
  /** Records one measurement. */
  record(value: number, attributes?: MetricAttributes): void;
}

/** What the exporter's observer reports to its metrics. */
export interface ExporterMetrics {
  flushed(info: FlushInfo): void;
  failed(error: WebhookExporterError): void;
  dropped(count: number, reason: DropReason): void;
}

/** The exporter's running totals, read when the metrics are collected (never on the hot path). */
export interface ExporterTotals {
  added: number;
  sent: number;
  pending: number;
}

/**
 * The instruments (names after OpenTelemetry's conventions: dotted, units in UCUM, durations in
 * seconds). `added`, `sent` and `pending` are read from the exporter's own totals at collection, so
 * `add()` pays nothing for metrics.
 */
/** The semantic conventions' boundaries for HTTP client durations, in seconds. */
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Powers of `base` from `first`, and `limit` last: buckets that reach the largest value possible. */
function bucketsUpTo(limit: number, first: number, base: number): number[] {
  const buckets: number[] = [];
  for (let bound = first; bound < limit; bound *= base) buckets.push(bound);
  return [...buckets, limit];
}

export function createExporterMetrics(
  meter: MeterLike,
  totals: () => ExporterTotals,
  identity: MetricAttributes,
  limits: { maxBatchBytes: number; maxEventInMemory: number },
): ExporterMetrics {
  const observe = (instrument: ObservableLike, read: (totals: ExporterTotals) => number) => {
    instrument.addCallback((result) => {
      result.observe(read(totals()), identity);
    });
  };
  const events = (description: string) => ({ description, unit: "{event}" });
  observe(
    meter.createObservableCounter("webhook.exporter.events.added", events("Events accepted by add()")),
    (now) => now.added,
  );
  observe(
    meter.createObservableCounter("webhook.exporter.events.sent", events("Events delivered (2xx)")),
    (now) => now.sent,
  );
  observe(
    meter.createObservableGauge(
      "webhook.exporter.events.pending",
      events("Events waiting to be delivered, in memory or spooled"),
    ),
    (now) => now.pending,
  );
  const dropped = meter.createCounter(
    "webhook.exporter.events.dropped",
    events("Events that will never be sent, by reason"),
  );
  const failed = meter.createCounter("webhook.exporter.attempts.failed", {
    description: "Delivery attempts that failed, by reason",
    unit: "{attempt}",
  });
  const duration = meter.createHistogram("webhook.exporter.flush.duration", {
    description: "How long one delivery attempt of one batch took",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
  const size = meter.createHistogram("webhook.exporter.batch.size", {
    description: "Body bytes of each batch sent",
    unit: "By",
    advice: { explicitBucketBoundaries: bucketsUpTo(limits.maxBatchBytes, 1024, 4) },
  });
  const batchEvents = meter.createHistogram("webhook.exporter.batch.events", {
    description: "Events in each batch sent",
    unit: "{event}",
    advice: { explicitBucketBoundaries: bucketsUpTo(limits.maxEventInMemory, 1, 10) },
  });
  return {
    flushed(info) {
      const attributes = { ...identity, "webhook.delivered": info.delivered };
      duration.record(info.durationMs / 1000, attributes);
      size.record(info.bytes, attributes);
      batchEvents.record(info.events, attributes);
    },
    failed(error) {
      failed.add(1, {
        ...identity,
        "error.type": error.reason ?? error.code,
        ...(error.status === undefined ? {} : { "http.response.status_code": error.status }),
      });
    },
    dropped(count, reason) {
      dropped.add(count, { ...identity, "webhook.drop.reason": reason });
    },
  };
}
