import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryReplayStore, createWebhookVerifier } from "../src/index.js";
import { signTestWebhook } from "../src/testing.js";
import { body, secret } from "./helpers/requests.js";

const inMemory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: inMemory, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });

afterEach(() => {
  inMemory.reset();
});

describe("OpenTelemetry metrics of the verifier", () => {
  it("counts requests by outcome and scheme, and a refusal by its code", async () => {
    const verifier = createWebhookVerifier({
      secret,
      replayStore: createMemoryReplayStore(),
      meter: provider.getMeter("@org/webhook-verify"),
    });
    const standard = await signTestWebhook({ secret, body, id: "m-1" });
    const hub = await signTestWebhook({ secret, body: "{}", scheme: "hub" });
    const accepted = await verifier.verify(standard);
    await accepted.commit();
    await expect(verifier.verify(standard)).rejects.toMatchObject({ code: "ERR_REPLAYED" });
    await expect(verifier.verify({ body: "{}", headers: {} })).rejects.toMatchObject({ code: "ERR_MISSING_SIGNATURE" });
    await expect(verifier.verify(hub)).rejects.toMatchObject({ code: "ERR_INVALID_PAYLOAD" });

    await reader.forceFlush();
    const metric = inMemory
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
      .find((candidate) => candidate.descriptor.name === "webhook.verify.requests");
    const counts = (metric?.dataPoints ?? []).map((point) => ({ ...point.attributes, value: point.value }));
    expect(counts).toEqual(
      expect.arrayContaining([
        { "webhook.verify.outcome": "verified", "webhook.scheme": "standard", value: 1 },
        { "webhook.verify.outcome": "duplicate", value: 1 },
        { "webhook.verify.outcome": "refused", "error.type": "ERR_MISSING_SIGNATURE", value: 1 },
        { "webhook.verify.outcome": "refused", "error.type": "ERR_INVALID_PAYLOAD", value: 1 },
      ]),
    );
    expect(counts).toHaveLength(4);
  });

  it("refuses a meter that is not one", () => {
    expect(() => createWebhookVerifier({ secret, meter: {} as never })).toThrow(
      expect.objectContaining({ code: "ERR_WEBHOOK_CONFIG", field: "meter" }),
    );
  });
});
