import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { DEFAULTS, webhookExporterOptionsFromRelayProxy, type RelayProxyWebhookConfig } from "../src/index.js";
import { resolveOptions } from "../src/config/options.js";

const endpointUrl = "https://example.test/hook";

function fieldOf(options: object): string | undefined {
  try {
    resolveOptions({ endpointUrl, ...options });
  } catch (error) {
    expect(error).toMatchObject({ name: "WebhookExporterError", code: "ERR_WEBHOOK_CONFIG" });
    return (error as { field?: string }).field;
  }
  return undefined;
}

describe("resolveOptions", () => {
  it("fills GO Feature Flag's defaults, and treats 0 as the default for flushInterval and maxEventInMemory", () => {
    const resolved = resolveOptions({ endpointUrl, flushInterval: 0, maxEventInMemory: 0 });
    expect(resolved).toMatchObject({
      flushIntervalMs: DEFAULTS.flushInterval,
      maxEventInMemory: DEFAULTS.maxEventInMemory,
      maxBufferedEvents: 200_000,
      eventType: "feature",
      timeoutMs: 10_000,
      closeTimeoutMs: 10_000,
      signingKeys: undefined,
      metaJsonSource: { hostname: hostname() },
    });
    expect(DEFAULTS).toMatchObject({
      flushInterval: 60_000,
      maxEventInMemory: 100_000,
      maxBatchBytes: 5 * 1024 * 1024,
    });
  });

  it.each([
    [{ endpointUrl: undefined }, "endpointUrl"],
    [{ endpointUrl: "ftp://example.test" }, "endpointUrl"],
    [{ endpointUrl: "not a url" }, "endpointUrl"],
    [{ flushInterval: -1 }, "flushInterval"],
    [{ flushInterval: 1.5 }, "flushInterval"],
    [{ maxEventInMemory: "10" }, "maxEventInMemory"],
    [{ timeout: 0 }, "timeout"],
    [{ closeTimeout: -5 }, "closeTimeout"],
    [{ eventType: "metrics" }, "eventType"],
    [{ meta: { a: 1 } }, 'meta["a"]'],
    [{ meta: "x" }, "meta"],
    [{ secret: 42 }, "secret"],
    // The verifier refuses these secrets; signing with them would make every request fail.
    [{ secret: "whsec_***" }, "secret"],
    [{ secret: "whsec_abc" }, "secret"],
    [{ secret: "whsec_" }, "secret"],
    [{ maxBufferedEvents: 10, maxEventInMemory: 100 }, "maxBufferedEvents"],
    [{ maxBatchBytes: 0 }, "maxBatchBytes"],
    [{ dispatcher: {} }, "dispatcher"],
    [{ onError: "log" }, "onError"],
    [{ logger: { info: () => undefined } }, "logger"],
    [{ spool: { dir: "" } }, "spool.dir"],
    [{ spool: { dir: "/tmp/x", size: 1 } }, "spool.size"],
    [{ flushInterval: 1000, flushIntervalMs: 5 }, "flushIntervalMs"],
    [{ headers: { "Content-Type": "text/plain" } }, 'headers["Content-Type"]'],
    [{ headers: { "X-Hub-Signature-256": "sha256=00" } }, 'headers["X-Hub-Signature-256"]'],
    [{ headers: { "webhook-id": "x" } }, 'headers["webhook-id"]'],
    [{ headers: { "X-Evil": "a\r\nSet-Cookie: x" } }, 'headers["X-Evil"]'],
    [{ headers: { "X-Evil": ["ok", "b\n"] } }, 'headers["X-Evil"]'],
    [{ headers: { "Bad Name": "x" } }, 'headers["Bad Name"]'],
    [{ headers: { "X-Num": 5 } }, 'headers["X-Num"]'],
    // undici refuses these names or values when sending; refusing them here keeps a request from never being sent.
    [{ headers: { "X-Env": "本番" } }, 'headers["X-Env"]'],
    [{ headers: { "X-Price": "€" } }, 'headers["X-Price"]'],
    [{ headers: { "X-Text": "a\u2028b" } }, 'headers["X-Text"]'],
    [{ headers: { Expect: "100-continue" } }, 'headers["Expect"]'],
    [{ headers: { "Keep-Alive": "timeout=5" } }, 'headers["Keep-Alive"]'],
    [{ headers: { Upgrade: "websocket" } }, 'headers["Upgrade"]'],
    [{ headers: { Connection: "close" } }, 'headers["Connection"]'],
    [{ headers: { "Transfer-Encoding": "chunked" } }, 'headers["Transfer-Encoding"]'],
    [{ headers: { TE: "trailers" } }, 'headers["TE"]'],
    [{ headers: { "Proxy-Connection": "keep-alive" } }, 'headers["Proxy-Connection"]'],
    // Node's timers hold 2^31 - 1 ms; longer delays fire after 1 ms.
    [{ flushInterval: 2 ** 31 }, "flushInterval"],
    [{ timeout: 2 ** 31 }, "timeout"],
    [{ closeTimeout: 2 ** 32 }, "closeTimeout"],
    [{ retryBaseDelayMs: 2 ** 31 }, "retryBaseDelayMs"],
  ])("refuses %j, naming the field", (options, field) => {
    expect(fieldOf(options)).toBe(field);
  });

  it("accepts a Content-Type of application/json from a GO Feature Flag config, and sends its own", () => {
    expect(
      resolveOptions({ endpointUrl, headers: { "Content-Type": ["application/json"], "X-Env": "prod" } }).headers,
    ).toEqual(new Map([["x-env", ["prod"]]]));
  });

  it("never puts a header value or the secret in the message", () => {
    expect(() => resolveOptions({ endpointUrl, secret: "s", headers: { "X-Token": "secret-token\n" } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("secret-token") as string }) as Error,
    );
  });

  it("accepts the longest delay a timer holds, and Latin-1 header values undici sends", () => {
    const resolved = resolveOptions({
      endpointUrl,
      flushInterval: 2 ** 31 - 1,
      timeout: 2 ** 31 - 1,
      headers: { "X-Name": "café" },
    });
    expect(resolved).toMatchObject({ flushIntervalMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1 });
  });

  it("keeps the memory bound's default fixed when the flush threshold is small, and above twice a large one", () => {
    expect(resolveOptions({ endpointUrl, maxEventInMemory: 300 }).maxBufferedEvents).toBe(200_000);
    expect(resolveOptions({ endpointUrl, maxEventInMemory: 500_000 }).maxBufferedEvents).toBe(1_000_000);
  });

  it("accepts Infinity for maxBufferedEvents (GO Feature Flag's unbounded behaviour)", () => {
    expect(resolveOptions({ endpointUrl, maxBufferedEvents: Infinity }).maxBufferedEvents).toBe(Infinity);
  });

  it("treats an empty secret as no secret, as GO Feature Flag does", () => {
    expect(resolveOptions({ endpointUrl, secret: "" }).signingKeys).toBeUndefined();
    expect(resolveOptions({ endpointUrl, secret: undefined }).signingKeys).toBeUndefined();
  });

  it("derives a whsec_ secret's Standard Webhooks key by base64, as the verifier does", () => {
    const keys = resolveOptions({
      endpointUrl,
      secret: `whsec_${Buffer.from("key bytes").toString("base64")}`,
    }).signingKeys;
    expect(Buffer.from(keys?.standard ?? []).toString()).toBe("key bytes");
  });
});

describe("webhookExporterOptionsFromRelayProxy", () => {
  it("moves a relay proxy exporter block unchanged", () => {
    const block: RelayProxyWebhookConfig = {
      kind: "webhook",
      endpointUrl,
      flushInterval: 10_000,
      maxEventInMemory: 500,
      secret: "s",
      meta: { env: "prod" },
      headers: { Authorization: ["Bearer x"] },
      eventType: "tracking",
    };
    const options = webhookExporterOptionsFromRelayProxy(block);
    expect(options).toEqual({
      endpointUrl,
      flushInterval: 10_000,
      maxEventInMemory: 500,
      secret: "s",
      meta: { env: "prod" },
      headers: { Authorization: ["Bearer x"] },
      eventType: "tracking",
    });
    expect(resolveOptions(options)).toMatchObject({ flushIntervalMs: 10_000, eventType: "tracking" });
  });

  it("refuses another kind of exporter and unknown keys", () => {
    expect(() =>
      webhookExporterOptionsFromRelayProxy({ kind: "s3", endpointUrl } as unknown as RelayProxyWebhookConfig),
    ).toThrow(/kind/);
    expect(() =>
      webhookExporterOptionsFromRelayProxy({
        kind: "webhook",
        endpointUrl,
        bucket: "b",
      } as unknown as RelayProxyWebhookConfig),
    ).toThrow(/bucket/);
  });

  it("takes the relay proxy's exporters: list, giving the options of each webhook block in order", () => {
    const list = webhookExporterOptionsFromRelayProxy([
      { kind: "webhook", endpointUrl, secret: "a" },
      { kind: "kafka", kafka: { topic: "t" } },
      { kind: "file", outputDir: "/tmp" },
      { kind: "webhook", endpointUrl: "http://other.test/hook", eventType: "tracking" },
    ]);
    expect(list).toEqual([
      { endpointUrl, secret: "a" },
      { endpointUrl: "http://other.test/hook", eventType: "tracking" },
    ]);
  });

  it("refuses, in an exporters: list, a kind GO Feature Flag does not have, a bad webhook block and a list without a webhook, naming the item", () => {
    const misspelled = () => webhookExporterOptionsFromRelayProxy([{ kind: "webhok", endpointUrl } as never]);
    expect(misspelled).toThrow(/exporters\[0\]\.kind/);
    expect(misspelled).toThrow(expect.objectContaining({ code: "ERR_WEBHOOK_CONFIG" }));
    expect(() =>
      webhookExporterOptionsFromRelayProxy([{ kind: "log" }, { kind: "webhook", endpointUrl, bucket: "b" } as never]),
    ).toThrow(/exporters\[1\]\.bucket/);
    expect(() => webhookExporterOptionsFromRelayProxy([{ kind: "s3", bucket: "b" }])).toThrow(
      /exporters holds no webhook exporter/,
    );
  });

  it("says one exporter per endpoint when endpointUrl is a list (GO Feature Flag can send to several)", () => {
    expect(() => resolveOptions({ endpointUrl: ["http://a.test/", "http://b.test/"] as never })).toThrow(
      expect.objectContaining({
        field: "endpointUrl",
        message: expect.stringContaining("one exporter per endpoint") as string,
      }) as Error,
    );
  });
});
