import { describe, expect, it } from "vitest";
import { createWebhookExporter } from "../src/exporter.js";
import { webhookExporterEnvNames, webhookExporterOptionsFromEnv } from "../src/config/options-from-env.js";

describe("webhookExporterOptionsFromEnv", () => {
  it("reads every option it knows under the prefix, and only the variables set", () => {
    const options = webhookExporterOptionsFromEnv({
      WEBHOOK_EXPORTER_ENDPOINT_URL: "https://hooks.example.com/in",
      WEBHOOK_EXPORTER_SECRET: "s3cret",
      WEBHOOK_EXPORTER_META: "service=checkout,region=eu%2Cwest",
      WEBHOOK_EXPORTER_HEADERS: "authorization=Bearer%20abc,x-team=flags",
      WEBHOOK_EXPORTER_FLUSH_INTERVAL: "5000",
      WEBHOOK_EXPORTER_MAX_EVENT_IN_MEMORY: "1000",
      WEBHOOK_EXPORTER_EVENT_TYPE: "tracking",
      WEBHOOK_EXPORTER_TIMEOUT: "2000",
      WEBHOOK_EXPORTER_CLOSE_TIMEOUT: "3000",
      WEBHOOK_EXPORTER_VALIDATE_EVENTS: "false",
      WEBHOOK_EXPORTER_MAX_BUFFERED_EVENTS: "Infinity",
      WEBHOOK_EXPORTER_MAX_BATCH_BYTES: "1048576",
      WEBHOOK_EXPORTER_RETRY_BASE_DELAY_MS: "250",
      WEBHOOK_EXPORTER_SPOOL_DIR: "/var/spool/flags",
      WEBHOOK_EXPORTER_SPOOL_MAX_BYTES: "1000000",
      WEBHOOK_EXPORTER_SPOOL_SYNC_INTERVAL: "100",
      WEBHOOK_EXPORTER_MAX_CONCURRENT_REQUESTS: "2",
      WEBHOOK_EXPORTER_HANDLE_SIGNALS: "true",
      OTHER_FLUSH_INTERVAL: "1",
    });
    expect(options).toEqual({
      endpointUrl: "https://hooks.example.com/in",
      secret: "s3cret",
      meta: { service: "checkout", region: "eu,west" },
      headers: { authorization: "Bearer abc", "x-team": "flags" },
      flushInterval: 5000,
      maxEventInMemory: 1000,
      eventType: "tracking",
      timeout: 2000,
      closeTimeout: 3000,
      validateEvents: false,
      maxBufferedEvents: Infinity,
      maxBatchBytes: 1048576,
      retryBaseDelayMs: 250,
      maxConcurrentRequests: 2,
      spool: { dir: "/var/spool/flags", maxBytes: 1000000, syncInterval: 100 },
      handleSignals: true,
    });
    expect(webhookExporterOptionsFromEnv({ WEBHOOK_EXPORTER_FLUSH_INTERVAL: "", PATH: "/bin" })).toEqual({});
  });

  it("takes another prefix", () => {
    expect(webhookExporterOptionsFromEnv({ GFF_ENDPOINT_URL: "http://x", GFF_TIMEOUT: "7" }, "GFF_")).toEqual({
      endpointUrl: "http://x",
      timeout: 7,
    });
    expect(webhookExporterEnvNames("GFF_")).toContain("GFF_SPOOL_MAX_BYTES");
  });

  it.each([
    ["WEBHOOK_EXPORTER_FLUSH_INTERVAL", "1e3"],
    ["WEBHOOK_EXPORTER_FLUSH_INTERVAL", "-5"],
    ["WEBHOOK_EXPORTER_FLUSH_INTERVAL", "10.5"],
    ["WEBHOOK_EXPORTER_TIMEOUT", " 10"],
    ["WEBHOOK_EXPORTER_MAX_EVENT_IN_MEMORY", "Infinity"],
    ["WEBHOOK_EXPORTER_VALIDATE_EVENTS", "yes"],
    ["WEBHOOK_EXPORTER_EVENT_TYPE", "Feature"],
    ["WEBHOOK_EXPORTER_META", "no-equals-sign"],
    ["WEBHOOK_EXPORTER_HEADERS", "a=%E0%A4%A"],
  ])("refuses %s=%j, naming the variable", (name, value) => {
    expect(() => webhookExporterOptionsFromEnv({ [name]: value })).toThrow(
      expect.objectContaining({ code: "ERR_WEBHOOK_CONFIG", field: name }),
    );
  });

  it("never echoes a header's value or the secret in an error", () => {
    let message = "";
    try {
      webhookExporterOptionsFromEnv({ WEBHOOK_EXPORTER_HEADERS: "authorization=Bearer%ZZtopsecret" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("WEBHOOK_EXPORTER_HEADERS");
    expect(message).not.toContain("topsecret");
  });

  it("refuses a spool size without a spool directory", () => {
    expect(() => webhookExporterOptionsFromEnv({ WEBHOOK_EXPORTER_SPOOL_MAX_BYTES: "10" })).toThrow(
      "WEBHOOK_EXPORTER_SPOOL_DIR",
    );
  });

  it("keeps a meta key named __proto__ as data", () => {
    const options = webhookExporterOptionsFromEnv({ WEBHOOK_EXPORTER_META: "__proto__=x" });
    expect(Object.getOwnPropertyNames(options.meta)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(options.meta)).toBe(Object.prototype);
  });

  it("feeds createWebhookExporter, whose own checks still apply", async () => {
    const exporter = createWebhookExporter({
      ...webhookExporterOptionsFromEnv({
        WEBHOOK_EXPORTER_ENDPOINT_URL: "http://127.0.0.1:9/hook",
        WEBHOOK_EXPORTER_SECRET: "s",
      }),
    } as Parameters<typeof createWebhookExporter>[0]);
    await exporter.close();
    expect(() =>
      createWebhookExporter({
        endpointUrl: "http://127.0.0.1:9/hook",
        ...webhookExporterOptionsFromEnv({ WEBHOOK_EXPORTER_TIMEOUT: "0" }),
      }),
    ).toThrow(expect.objectContaining({ field: "timeout" }));
  });

  it("refuses a variable under the prefix that it does not know (a misspelling), naming it and the nearest known one", () => {
    expect(() =>
      webhookExporterOptionsFromEnv({
        WEBHOOK_EXPORTER_FLUSHINTERVAL: "1000",
        WEBHOOK_EXPORTER_ENDPOINT_URL: "http://h/",
      }),
    ).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_CONFIG",
        field: "WEBHOOK_EXPORTER_FLUSHINTERVAL",
        message: expect.stringContaining("WEBHOOK_EXPORTER_FLUSH_INTERVAL") as string,
      }) as Error,
    );
    // Other variables are not its business, and an empty one under the prefix is as good as unset.
    expect(webhookExporterOptionsFromEnv({ PATH: "/bin", WEBHOOK_EXPORTER_TYPO: "" })).toEqual({});
  });
});
