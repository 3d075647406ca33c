import { describe, expectTypeOf, it } from "vitest";
import {
  createWebhookExporter,
  type FlushResult,
  type WebhookExporter,
  type WebhookExporterOptions,
} from "../src/index.js";

describe("the public types", () => {
  it("accept possibly-undefined values for optional options (exactOptionalPropertyTypes)", () => {
    const fromEnvironment: string | undefined = process.env.WEBHOOK_SECRET;
    expectTypeOf({
      endpointUrl: "https://example.test",
      secret: fromEnvironment,
      flushInterval: undefined,
    }).toExtend<WebhookExporterOptions>();
  });

  it("give the exporter its documented shape", () => {
    expectTypeOf(createWebhookExporter).returns.toEqualTypeOf<WebhookExporter>();
    expectTypeOf<WebhookExporter["add"]>().returns.toBeVoid();
    expectTypeOf<WebhookExporter["flush"]>().returns.toEqualTypeOf<Promise<FlushResult>>();
    expectTypeOf<WebhookExporter["close"]>().returns.toEqualTypeOf<Promise<FlushResult>>();
    expectTypeOf<WebhookExporter>().toExtend<AsyncDisposable>();
  });
});
