import { metrics } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";
import { createWebhookExporter } from "../../src/exporter.js";
import { featureEvent } from "../helpers/events.js";

let receiver: Receiver;
let provider: MeterProvider;
let reader: PeriodicExportingMetricReader;
let inMemory: InMemoryMetricExporter;

beforeEach(async () => {
  receiver = await startReceiver();
  inMemory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter: inMemory, exportIntervalMillis: 3_600_000 });
  provider = new MeterProvider({ readers: [reader] });
});
afterEach(async () => {
  await provider.shutdown();
  await receiver.close();
});

/** The metrics as an operator's collector would see them now. */
async function collect(): Promise<Map<string, MetricData>> {
  inMemory.reset();
  await reader.forceFlush();
  const byName = new Map<string, MetricData>();
  for (const resource of inMemory.getMetrics())
    for (const scope of resource.scopeMetrics)
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  return byName;
}

function points(metric: MetricData | undefined) {
  return (metric?.dataPoints ?? []).map((point) => ({ attributes: point.attributes, value: point.value }));
}

describe("OpenTelemetry metrics", () => {
  it("counts events added, sent, dropped and failed attempts, times flushes and sizes batches", async () => {
    const exporter = createWebhookExporter({
      endpointUrl: receiver.url,
      secret: "s",
      flushInterval: 60_000,
      retryBaseDelayMs: 60_000, // no retry on its own before the metrics are read
      closeTimeout: 500,
      meter: provider.getMeter("@org/webhook-exporter"),
    });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    await exporter.flush();
    receiver.respond((_request, _index, res) => {
      res.writeHead(503).end();
    });
    for (let index = 10; index < 15; index++) exporter.add(featureEvent(index));
    await exporter.flush();

    const during = await collect();
    const endpoint = new URL(receiver.url);
    // The host alone, and the port apart, as the semantic conventions have them.
    const identity = {
      "server.address": endpoint.hostname,
      "server.port": Number(endpoint.port),
      "webhook.event_type": "feature",
    };
    expect(points(during.get("webhook.exporter.events.added"))).toEqual([{ attributes: identity, value: 15 }]);
    expect(points(during.get("webhook.exporter.events.sent"))).toEqual([{ attributes: identity, value: 10 }]);
    expect(points(during.get("webhook.exporter.events.pending"))).toEqual([{ attributes: identity, value: 5 }]);
    expect(points(during.get("webhook.exporter.attempts.failed"))).toEqual([
      { attributes: { ...identity, "error.type": "status", "http.response.status_code": 503 }, value: 1 },
    ]);
    const durations = during.get("webhook.exporter.flush.duration");
    expect(durations?.descriptor.unit).toBe("s");
    // Buckets in seconds, the semantic conventions' for HTTP client durations, not the SDK's millisecond default.
    const bucketsOf = (name: string) =>
      (during.get(name)?.dataPoints[0]?.value as { buckets: { boundaries: number[] } } | undefined)?.buckets.boundaries;
    expect(bucketsOf("webhook.exporter.flush.duration")).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    expect(bucketsOf("webhook.exporter.batch.size")?.at(-1)).toBe(5 * 1024 * 1024);
    expect(bucketsOf("webhook.exporter.batch.events")?.at(-1)).toBe(100_000);
    expect(
      during
        .get("webhook.exporter.batch.events")
        ?.dataPoints.reduce((sum, point) => sum + (point.value as { sum: number }).sum, 0),
    ).toBe(15);
    const histogram = durations?.dataPoints.map((point) => point.value as { count: number; sum: number });
    expect(histogram?.reduce((sum, value) => sum + value.count, 0)).toBe(2);
    const sizes = during.get("webhook.exporter.batch.size")?.dataPoints.map((point) => point.value as { sum: number });
    expect(sizes?.reduce((sum, value) => sum + value.sum, 0)).toBe(
      receiver.requests.reduce((sum, request) => sum + request.body.length, 0),
    );

    await exporter.close(); // still 503: no spool, so the last five are dropped, and counted
    const after = await collect();
    expect(points(after.get("webhook.exporter.events.dropped"))).toEqual([
      { attributes: { ...identity, "webhook.drop.reason": "unsent-at-close" }, value: 5 },
    ]);
    expect(points(after.get("webhook.exporter.events.pending"))).toEqual([{ attributes: identity, value: 0 }]);
  });

  it("takes the global meter of @opentelemetry/api, and refuses something that is not a meter", async () => {
    metrics.setGlobalMeterProvider(provider);
    try {
      const exporter = createWebhookExporter({
        endpointUrl: receiver.url,
        secret: "s",
        meter: metrics.getMeter("@org/webhook-exporter"),
      });
      exporter.add(featureEvent(1));
      await exporter.close();
      expect(points((await collect()).get("webhook.exporter.events.sent"))[0]?.value).toBe(1);
    } finally {
      metrics.disable();
    }
    expect(() => createWebhookExporter({ endpointUrl: receiver.url, meter: {} as never })).toThrow(
      expect.objectContaining({ code: "ERR_WEBHOOK_CONFIG", field: "meter" }),
    );
  });
});
