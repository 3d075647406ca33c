import {
  OpenFeature,
  TypedInMemoryProvider as InMemoryProvider,
  type EvaluationContext,
  type InMemoryFlagConfiguration,
} from "@openfeature/server-sdk";
import type { FeatureEvent, TrackingEvent } from "@org/webhook-types";
import { verifyWebhook } from "@org/webhook-verify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookExporter, type WebhookExporter } from "../../src/index.js";
import { createWebhookExporterHook, trackWithExporter } from "../../src/openfeature.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";

const secret = "openfeature-secret";
const flags: InMemoryFlagConfiguration = {
  "bool-flag": { variants: { on: true, off: false }, defaultVariant: "on", disabled: false },
  "string-flag": {
    variants: { red: "red", blue: "blue" },
    defaultVariant: "blue",
    disabled: false,
    contextEvaluator: (context: EvaluationContext) => (context.color === "red" ? "red" : "blue"),
  },
  "number-flag": { variants: { small: 1, big: 1000 }, defaultVariant: "big", disabled: false },
  "object-flag": { variants: { config: { b: 2, a: [1, "<x>"] } }, defaultVariant: "config", disabled: false },
};

let receiver: Receiver;
let exporter: WebhookExporter;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await exporter.close();
  OpenFeature.clearHooks();
  await OpenFeature.close();
  await receiver.close();
});

/** Every event received, each request verified with @org/webhook-verify first. */
async function verifiedEvents<E>(): Promise<E[]> {
  const events: E[] = [];
  for (const request of receiver.requests) {
    const { payload } = await verifyWebhook({
      secret,
      body: request.body,
      headers: request.headers,
      scheme: "standard",
    });
    events.push(...(payload.events as E[]));
  }
  return events;
}

describe("createWebhookExporterHook with the real OpenFeature SDK", () => {
  it("exports each flag type, an error, and anonymous contexts as GO Feature Flag's data collector does", async () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret });
    await OpenFeature.setProviderAndWait(new InMemoryProvider(flags));
    OpenFeature.addHooks(createWebhookExporterHook(exporter, { metadata: { service: "checkout" } }));
    const client = OpenFeature.getClient();

    expect(await client.getBooleanValue("bool-flag", false, { targetingKey: "u1" })).toBe(true);
    expect(await client.getStringValue("string-flag", "none", { targetingKey: "u2", color: "red" })).toBe("red");
    expect(await client.getNumberValue("number-flag", 0, { targetingKey: "u3", anonymous: true })).toBe(1000);
    expect(await client.getObjectValue("object-flag", {}, { targetingKey: "u4" })).toEqual({ b: 2, a: [1, "<x>"] });
    expect(await client.getBooleanValue("missing-flag", false, { targetingKey: "u5" })).toBe(false);
    await exporter.flush();

    const events = await verifiedEvents<FeatureEvent>();
    const now = Math.floor(Date.now() / 1000);
    expect(
      events.map(({ creationDate, ...rest }) => {
        expect(Math.abs(creationDate - now)).toBeLessThan(5);
        return rest;
      }),
    ).toEqual([
      {
        kind: "feature",
        contextKind: "user",
        userKey: "u1",
        key: "bool-flag",
        variation: "on",
        value: true,
        default: false,
        version: "",
        source: "SERVER",
        metadata: { service: "checkout" },
      },
      {
        kind: "feature",
        contextKind: "user",
        userKey: "u2",
        key: "string-flag",
        variation: "red",
        value: "red",
        default: false,
        version: "",
        source: "SERVER",
        metadata: { service: "checkout" },
      },
      {
        kind: "feature",
        contextKind: "anonymousUser",
        userKey: "u3",
        key: "number-flag",
        variation: "big",
        value: 1000,
        default: false,
        version: "",
        source: "SERVER",
        metadata: { service: "checkout" },
      },
      {
        kind: "feature",
        contextKind: "user",
        userKey: "u4",
        key: "object-flag",
        variation: "config",
        value: { a: [1, "<x>"], b: 2 },
        default: false,
        version: "",
        source: "SERVER",
        metadata: { service: "checkout" },
      },
      {
        kind: "feature",
        contextKind: "user",
        userKey: "u5",
        key: "missing-flag",
        variation: "SdkDefault",
        value: false,
        default: true,
        version: "",
        source: "SERVER",
        metadata: { service: "checkout" },
      },
    ]);
  });

  it("collects only what the predicate accepts", async () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret });
    await OpenFeature.setProviderAndWait(new InMemoryProvider(flags));
    OpenFeature.addHooks(createWebhookExporterHook(exporter, { shouldCollect: (flagKey) => flagKey !== "bool-flag" }));
    const client = OpenFeature.getClient();
    await client.getBooleanValue("bool-flag", false, { targetingKey: "u1" });
    await client.getNumberValue("number-flag", 0, { targetingKey: "u1" });
    await exporter.flush();
    expect((await verifiedEvents<FeatureEvent>()).map((event) => event.key)).toEqual(["number-flag"]);
  });

  it("reports instead of throwing when the exporter refuses, so the evaluation is unaffected", async () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret });
    await exporter.close();
    const errors: unknown[] = [];
    await OpenFeature.setProviderAndWait(new InMemoryProvider(flags));
    OpenFeature.addHooks(createWebhookExporterHook(exporter, { onError: (error) => errors.push(error) }));
    const details = await OpenFeature.getClient().getBooleanDetails("bool-flag", false, { targetingKey: "u1" });
    expect(details).toMatchObject({ value: true, variant: "on" });
    expect(details.errorCode).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ code: "ERR_WEBHOOK_CLOSED" })]);
  });
});

describe("createWebhookExporterHook with several exporters (GO Feature Flag's exporters: list)", () => {
  it("gives each evaluation to every feature exporter, skips tracking ones, and one refusal does not keep it from the others", async () => {
    const second = await startReceiver();
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret });
    const other = createWebhookExporter({ endpointUrl: second.url, secret });
    const closed = createWebhookExporter({ endpointUrl: second.url, secret });
    const tracking = createWebhookExporter({ endpointUrl: second.url, secret, eventType: "tracking" });
    await closed.close();
    try {
      const errors: unknown[] = [];
      await OpenFeature.setProviderAndWait(new InMemoryProvider(flags));
      OpenFeature.addHooks(
        createWebhookExporterHook([closed, exporter, tracking, other], { onError: (error) => errors.push(error) }),
      );
      await OpenFeature.getClient().getNumberValue("number-flag", 0, { targetingKey: "u1" });
      await Promise.all([exporter.flush(), other.flush()]);
      expect((await verifiedEvents<FeatureEvent>()).map((event) => event.key)).toEqual(["number-flag"]);
      expect(second.events().map((event) => (event as unknown as FeatureEvent).key)).toEqual(["number-flag"]);
      expect([exporter.stats().added, other.stats().added, tracking.stats().added]).toEqual([1, 1, 0]);
      expect(errors).toEqual([expect.objectContaining({ code: "ERR_WEBHOOK_CLOSED" })]);
    } finally {
      await Promise.all([other.close(), tracking.close()]);
      await second.close();
    }
  });
});

describe("trackWithExporter", () => {
  it("turns client.track() into tracking events", async () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret, eventType: "tracking" });
    await OpenFeature.setProviderAndWait(trackWithExporter(new InMemoryProvider(flags), exporter));
    const client = OpenFeature.getClient();
    client.track("checkout", { targetingKey: "u9", anonymous: true, plan: "pro" }, { value: 99.5, currency: "EUR" });
    await exporter.flush();
    const [event] = await verifiedEvents<TrackingEvent>();
    expect(event).toMatchObject({
      kind: "tracking",
      contextKind: "anonymousUser",
      userKey: "u9",
      key: "checkout",
      evaluationContext: { anonymous: true, plan: "pro", targetingKey: "u9" },
      trackingEventDetails: { currency: "EUR", value: 99.5 },
    });
  });

  it("feeds several tracking exporters, and refuses a list with a feature exporter in it, naming it", async () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret, eventType: "tracking" });
    const other = createWebhookExporter({ endpointUrl: receiver.url, secret, eventType: "tracking" });
    const feature = createWebhookExporter({ endpointUrl: receiver.url, secret });
    try {
      expect(() => trackWithExporter(new InMemoryProvider(flags), [exporter, feature])).toThrow(/exporters\[1\]/);
      await OpenFeature.setProviderAndWait(trackWithExporter(new InMemoryProvider(flags), [exporter, other]));
      OpenFeature.getClient().track("checkout", { targetingKey: "u9" }, { value: 1 });
      expect([exporter.stats().added, other.stats().added]).toEqual([1, 1]);
    } finally {
      await Promise.all([other.close(), feature.close()]);
    }
  });

  it("refuses an exporter that carries feature events", () => {
    exporter = createWebhookExporter({ endpointUrl: receiver.url, secret });
    expect(() => trackWithExporter(new InMemoryProvider(flags), exporter)).toThrow(/eventType: "tracking"/);
  });
});
