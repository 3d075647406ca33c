import { createHmac } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { hostname } from "node:os";
import { verifyWebhook } from "@org/webhook-verify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createWebhookExporter,
  DIAGNOSTICS_CHANNELS,
  type DropReason,
  type FlushInfo,
  type WebhookExporter,
  type WebhookExporterError,
} from "../../src/index.js";
import { featureEvent, trackingEvent } from "../helpers/events.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";

let receiver: Receiver;
const exporters: WebhookExporter[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  await receiver.close();
});

function exporterFor(options: Partial<Parameters<typeof createWebhookExporter>[0]> = {}): WebhookExporter {
  const exporter = createWebhookExporter({
    endpointUrl: receiver.url,
    secret: "test-secret",
    flushInterval: 3_600_000,
    retryBaseDelayMs: 1,
    ...options,
  });
  exporters.push(exporter);
  return exporter;
}

describe("createWebhookExporter against a real endpoint", () => {
  it("sends Go's exact bytes with every header, signed", async () => {
    const exporter = exporterFor({
      secret: "s3cret",
      meta: { env: "test" },
      headers: { Authorization: "Bearer t", "X-Multi": ["a", "b"] },
    });
    const events = [featureEvent(1), featureEvent(2)];
    for (const event of events) exporter.add(event);
    expect(await exporter.flush()).toEqual({ sent: 2, failed: 0, pending: 0 });

    const [request] = receiver.requests;
    if (request === undefined) throw new Error("no request arrived");
    const expectedMeta = JSON.stringify({ env: "test", hostname: hostname() })
      .replaceAll("<", "\\u003c")
      .replaceAll(">", "\\u003e")
      .replaceAll("&", "\\u0026");
    expect(request.body.toString()).toBe(
      `{"meta":${expectedMeta},"events":[${events.map((event) => JSON.stringify(event)).join(",")}]}`,
    );
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-hub-signature-256"]).toBe(
      `sha256=${createHmac("sha256", "s3cret").update(request.body).digest("hex")}`,
    );
    expect(request.headers.authorization).toBe("Bearer t");
    expect(request.headers["x-multi"]).toBe("a, b");
    expect(request.headers["user-agent"]).toMatch(/^@org\/webhook-exporter\/\d+\.\d+\.\d+/);
    expect(request.headers["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Number(request.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);

    for (const scheme of ["hub", "standard"] as const) {
      const verified = await verifyWebhook({ secret: "s3cret", body: request.body, headers: request.headers, scheme });
      expect(verified.payload.events).toHaveLength(2);
    }
  });

  it("lets the user's hostname win and sends no signature header without a secret", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const exporter = exporterFor({ meta: { hostname: "mine" }, secret: undefined });
    exporter.add(featureEvent(1));
    await exporter.flush();
    const [request] = receiver.requests;
    expect(request?.body.toString()).toMatch(/^\{"meta":\{"hostname":"mine"\},/);
    expect(request?.headers["x-hub-signature-256"]).toBeUndefined();
    expect(request?.headers["webhook-signature"]).toBeUndefined();
    expect(request?.headers["webhook-id"]).toBeDefined();
  });

  it("flushes on its interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const exporter = exporterFor({ flushInterval: 5000 });
    exporter.add(featureEvent(1));
    await vi.advanceTimersByTimeAsync(4900);
    expect(receiver.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    vi.useRealTimers();
    await receiver.waitForRequests(1);
    expect(receiver.events().map((event) => event.userKey)).toEqual(["user-1"]);
  });

  it("flushes in the background once maxEventInMemory events wait, and add() stays synchronous", async () => {
    const exporter = exporterFor({ maxEventInMemory: 10 });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    expect(receiver.requests).toHaveLength(0);
    await receiver.waitForRequests(1);
    expect(receiver.events()).toHaveLength(10);
  });

  it("keeps a failed batch and delivers every event exactly once, in order, under the same webhook-id", async () => {
    receiver.respond((_request, index, res) => {
      res.writeHead(index < 2 ? 500 : 204).end();
    });
    const errors: WebhookExporterError[] = [];
    // A long backoff, so that only these explicit flushes send.
    const exporter = exporterFor({ retryBaseDelayMs: 600_000, onError: (error) => errors.push(error) });
    for (let index = 0; index < 5; index++) exporter.add(featureEvent(index));
    expect(await exporter.flush()).toEqual({ sent: 0, failed: 5, pending: 5 });
    expect(await exporter.flush()).toMatchObject({ sent: 0, failed: 5 });
    exporter.add(featureEvent(5));
    expect(await exporter.flush()).toEqual({ sent: 6, failed: 0, pending: 0 });
    expect(
      receiver
        .events()
        .slice(10)
        .map((event) => event.userKey),
    ).toEqual(["user-0", "user-1", "user-2", "user-3", "user-4", "user-5"]);
    const ids = receiver.requests.map((request) => request.headers["webhook-id"]);
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(errors.map((error) => [error.code, error.status, error.permanent])).toEqual([
      ["ERR_WEBHOOK_SEND", 500, false],
      ["ERR_WEBHOOK_SEND", 500, false],
    ]);
    expect(exporter.stats()).toMatchObject({
      added: 6,
      sent: 6,
      failedAttempts: 2,
      pending: 0,
      dropped: 0,
      batchesSent: 2,
    });
  });

  it("does not follow a redirect, and reports it as permanent", async () => {
    receiver.respond((_request, _index, res) => {
      res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
    });
    const errors: WebhookExporterError[] = [];
    const exporter = exporterFor({ onError: (error) => errors.push(error) });
    exporter.add(featureEvent(1));
    expect(await exporter.flush()).toMatchObject({ sent: 0, failed: 1 });
    expect(errors[0]).toMatchObject({ reason: "redirect", permanent: true, status: 302 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("splits a batch the endpoint refuses with 413 until the halves fit", async () => {
    receiver.respond((request, _index, res) => {
      const count = (JSON.parse(request.body.toString()) as { events: unknown[] }).events.length;
      res.writeHead(count > 3 ? 413 : 200).end();
    });
    // One at a time: the halves arrive in order.
    const exporter = exporterFor({ maxConcurrentRequests: 1 });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    expect(await exporter.flush()).toEqual({ sent: 10, failed: 0, pending: 0 });
    const delivered = receiver.requests.filter(
      (request) => (JSON.parse(request.body.toString()) as { events: unknown[] }).events.length <= 3,
    );
    const keys = delivered.flatMap((request) =>
      (JSON.parse(request.body.toString()) as { events: { userKey: string }[] }).events.map((event) => event.userKey),
    );
    expect(keys).toEqual(Array.from({ length: 10 }, (_, index) => `user-${index}`));
  });

  it("cuts batches by their real size in bytes and by maxEventInMemory", async () => {
    const exporter = exporterFor({ maxBatchBytes: 600, maxEventInMemory: 4 });
    for (let index = 0; index < 20; index++) exporter.add(featureEvent(index));
    await exporter.flush();
    // About 170 bytes an event: three fit in 600 bytes, four do not, so bytes cut before the count does.
    expect(receiver.requests.length).toBe(7);
    for (const request of receiver.requests) {
      expect(request.body.length).toBeLessThanOrEqual(600);
      expect((JSON.parse(request.body.toString()) as { events: unknown[] }).events.length).toBeLessThanOrEqual(4);
    }
    expect(receiver.events()).toHaveLength(20);
  });

  it("does not block add() while a slow endpoint holds a flush", async () => {
    let release: () => void = () => undefined;
    receiver.respond((_request, _index, res) => {
      release = () => res.writeHead(200).end();
    });
    const exporter = exporterFor();
    exporter.add(featureEvent(0));
    let flushed = false;
    const flushing = exporter.flush().then((result) => {
      flushed = true;
      return result;
    });
    await receiver.waitForRequests(1);
    const started = performance.now();
    for (let index = 1; index <= 50_000; index++) exporter.add(featureEvent(index));
    // Generous: the point is that add() does no I/O and never waits for the endpoint (about 1 µs each).
    expect(performance.now() - started).toBeLessThan(2000);
    expect(flushed).toBe(false);
    release();
    expect(await flushing).toEqual({ sent: 1, failed: 0, pending: 50_000 });
    receiver.respond((_request, _index, res) => {
      res.writeHead(200).end();
    });
  });

  it("close() sends what waits, is idempotent, and refuses later events", async () => {
    const exporter = exporterFor();
    exporter.add(featureEvent(1));
    const first = exporter.close();
    expect(exporter.close()).toBe(first);
    expect(await first).toMatchObject({ sent: 1 });
    expect(receiver.events()).toHaveLength(1);
    expect(() => {
      exporter.add(featureEvent(2));
    }).toThrow(expect.objectContaining({ code: "ERR_WEBHOOK_CLOSED" }) as Error);
  });

  it("does not let an endpoint that never answers hold close() past closeTimeout, and reports what was left", async () => {
    receiver.respond(() => undefined);
    const drops: [number, DropReason][] = [];
    const exporter = exporterFor({
      closeTimeout: 300,
      timeout: 60_000,
      onDrop: (count, reason) => drops.push([count, reason]),
    });
    exporter.add(featureEvent(1));
    exporter.add(featureEvent(2));
    const started = performance.now();
    await exporter.close();
    expect(performance.now() - started).toBeLessThan(1500);
    expect(drops).toEqual([[2, "unsent-at-close"]]);
    expect(exporter.stats()).toMatchObject({ dropped: 2, pending: 0 });
  });

  it("times out a request after `timeout` and keeps the batch", async () => {
    receiver.respond((_request, index, res) => {
      if (index > 0) res.writeHead(200).end();
    });
    const errors: WebhookExporterError[] = [];
    const exporter = exporterFor({ timeout: 200, onError: (error) => errors.push(error) });
    exporter.add(featureEvent(1));
    expect(await exporter.flush()).toMatchObject({ failed: 1 });
    expect(errors[0]?.reason).toBe("timeout");
    expect(await exporter.flush()).toMatchObject({ sent: 1 });
  });

  it("reports an unreachable endpoint without a secret or credentials in the message", async () => {
    const errors: WebhookExporterError[] = [];
    const exporter = exporterFor({
      endpointUrl: "http://user:pa55word@127.0.0.1:1/hook?token=abc",
      secret: "top-secret",
      onError: (error) => errors.push(error),
    });
    exporter.add(featureEvent(1));
    await exporter.flush();
    expect(errors[0]?.reason).toBe("network");
    for (const secret of ["pa55word", "top-secret", "token=abc", "user:"])
      expect(errors[0]?.message).not.toContain(secret);
  });

  it("bounds memory while the endpoint is down: the oldest are dropped, counted, reported, warned about once", async () => {
    receiver.respond((_request, _index, res) => {
      res.writeHead(503).end();
    });
    const drops: [number, DropReason][] = [];
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_details: object, message?: string) => warnings.push(message ?? ""),
    };
    const exporter = exporterFor({
      maxEventInMemory: 100,
      maxBufferedEvents: 300,
      onDrop: (count, reason) => drops.push([count, reason]),
      logger,
    });
    for (let round = 0; round < 10; round++) {
      for (let index = 0; index < 100; index++) exporter.add(featureEvent(round * 100 + index));
      await exporter.flush();
      expect(exporter.stats().pending).toBeLessThanOrEqual(300);
    }
    const dropped = drops.reduce((sum, [count]) => sum + count, 0);
    expect(drops.every(([, reason]) => reason === "buffer-full")).toBe(true);
    expect(dropped + exporter.stats().pending).toBe(1000);
    expect(exporter.stats().dropped).toBe(dropped);
    expect(warnings.filter((message) => message.includes("maxBufferedEvents"))).toEqual([
      expect.stringContaining("fails") as string,
    ]);
  });

  it("counts in FlushResult.failed the events of the batch that failed, not every batch still waiting", async () => {
    receiver.respond((_request, _index, res) => {
      res.writeHead(503).end();
    });
    const exporter = exporterFor({ maxEventInMemory: 40, maxConcurrentRequests: 1 });
    for (let index = 0; index < 100; index++) exporter.add(featureEvent(index));
    expect(await exporter.flush()).toEqual({ sent: 0, failed: 40, pending: 100 });
  });

  it("sends up to maxConcurrentRequests at once, and one at a time while the endpoint fails", async () => {
    let failing = true;
    let open = 0;
    let most = 0;
    // The first flush's answers wait until four requests are open at once: a window of fewer hangs here.
    let gate: (() => void)[] | undefined = [];
    receiver.respond(async (_request, _index, res) => {
      most = Math.max(most, ++open);
      if (gate !== undefined) {
        const waiting = gate;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 4) for (const release of waiting) release();
        });
      } else await new Promise((resolve) => setTimeout(resolve, 50));
      open -= 1;
      res.writeHead(failing ? 503 : 200).end();
    });
    const exporter = exporterFor({ maxEventInMemory: 10, maxConcurrentRequests: 4 });
    for (let index = 0; index < 100; index++) exporter.add(featureEvent(index));
    // The first flush knows of no failure: four at once, all refused.
    expect(await exporter.flush()).toEqual({ sent: 0, failed: 40, pending: 100 });
    expect(most).toBe(4);
    gate = undefined;
    // Failing now: one attempt probes the endpoint.
    most = 0;
    expect(await exporter.flush()).toEqual({ sent: 0, failed: 10, pending: 100 });
    expect(most).toBe(1);
    // It answers again: the window opens after the first delivery.
    failing = false;
    most = 0;
    expect(await exporter.flush()).toEqual({ sent: 100, failed: 0, pending: 0 });
    expect(most).toBeGreaterThan(1);
    expect(new Set(receiver.events().map((event) => event.userKey)).size).toBe(100);
  });

  it("loses nothing when a burst meets a healthy endpoint with a small flush threshold", async () => {
    const drops: [number, DropReason][] = [];
    const exporter = exporterFor({ maxEventInMemory: 300, onDrop: (count, reason) => drops.push([count, reason]) });
    for (let index = 0; index < 6000; index++) exporter.add(featureEvent(index));
    await exporter.flush();
    expect(drops).toEqual([]);
    expect(exporter.stats()).toMatchObject({ added: 6000, sent: 6000, dropped: 0, failedAttempts: 0 });
  });

  it("names the real cause when a burst outruns a healthy endpoint: events arrive faster than they are sent", async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_details: object, message?: string) => warnings.push(message ?? ""),
    };
    const exporter = exporterFor({ maxEventInMemory: 100, maxBufferedEvents: 300, logger, secret: "s" });
    for (let index = 0; index < 1000; index++) exporter.add(featureEvent(index));
    await exporter.flush();
    expect(warnings).toEqual([expect.stringContaining("events arrive faster than they are sent") as string]);
    expect(exporter.stats().failedAttempts).toBe(0);
  });

  it.each([true, false])(
    "refuses an event of the other kind or with a bad field, validateEvents %s",
    (validateEvents) => {
      const exporter = exporterFor({ validateEvents });
      expect(() => {
        exporter.add(trackingEvent(1));
      }).toThrow(expect.objectContaining({ code: "ERR_WEBHOOK_EVENT" }) as Error);
      expect(() => {
        exporter.add({ ...featureEvent(1), creationDate: Date.now() });
      }).toThrow(/milliseconds/);
      for (const value of [() => 1, Symbol("x"), undefined, 1n]) {
        expect(() => {
          exporter.add({ ...featureEvent(1), value });
        }).toThrow(
          expect.objectContaining({
            code: "ERR_WEBHOOK_EVENT",
            message: expect.stringContaining("/value") as string,
          }) as Error,
        );
      }
      expect(exporter.stats().added).toBe(0);
    },
  );

  it.each([true, false])(
    "refuses a value nested deeper than Go's encoding/json reads (100,000 levels), validateEvents %s",
    (validateEvents) => {
      const exporter = exporterFor({ validateEvents });
      let value: unknown = [];
      for (let level = 0; level < 100_000; level++) value = [value];
      expect(() => {
        exporter.add({ ...featureEvent(1), value });
      }).toThrow(expect.objectContaining({ code: "ERR_WEBHOOK_EVENT" }) as Error);
      expect(exporter.stats().added).toBe(0);
    },
  );

  it("with validateEvents, refuses a value JSON cannot hold deep inside an event", () => {
    const exporter = exporterFor({ validateEvents: true });
    expect(() => {
      exporter.add({ ...featureEvent(1), value: { list: [1, { fn: () => 1 }] } });
    }).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_EVENT",
        message: expect.stringContaining("/value/list/1/fn") as string,
      }) as Error,
    );
    expect(() => {
      exporter.add({ ...featureEvent(1), metadata: { big: 1n } });
    }).toThrow(/\/metadata\/big/);
    const trusting = exporterFor({ validateEvents: false });
    trusting.add({ ...featureEvent(1), value: { fn: () => 1 } });
    expect(trusting.stats().added).toBe(1);
  });

  it.each([undefined, ""])("warns once at creation that it sends unsigned when the secret is %j", async (secret) => {
    // Caught, not printed: the test output stays free of warnings a reader would take for a problem.
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const logged: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_details: object, message?: string) => logged.push(message ?? ""),
    };
    const exporter = exporterFor({ secret, logger });
    exporter.add(featureEvent(1));
    await exporter.flush();
    const codes = emitWarning.mock.calls.map(([, options]) => (options as { code?: string } | undefined)?.code);
    expect(codes).toEqual(["WEBHOOK_EXPORTER_UNSIGNED"]);
    expect(logged.filter((message) => message.includes("unsigned"))).toHaveLength(1);
    expect(receiver.requests[0]?.headers["x-hub-signature-256"]).toBeUndefined();
  });

  it("carries tracking events when eventType is tracking", async () => {
    const exporter = exporterFor({ eventType: "tracking" });
    exporter.add(trackingEvent(1));
    await exporter.flush();
    expect(receiver.requests[0]?.body.toString()).toContain('"kind":"tracking"');
  });

  it("publishes flushes on node:diagnostics_channel and calls onFlush", async () => {
    const published: unknown[] = [];
    const listener = (message: unknown) => published.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.flush, listener);
    const flushes: FlushInfo[] = [];
    const exporter = exporterFor({ onFlush: (info) => flushes.push(info) });
    exporter.add(featureEvent(1));
    await exporter.flush();
    unsubscribe(DIAGNOSTICS_CHANNELS.flush, listener);
    expect(flushes).toEqual([expect.objectContaining({ events: 1, status: 200, attempt: 1, delivered: true })]);
    expect(published).toEqual(flushes);
  });

  it("closes on `await using`", async () => {
    {
      await using exporter = createWebhookExporter({ endpointUrl: receiver.url, secret: "s" });
      exporter.add(featureEvent(1));
    }
    expect(receiver.events()).toHaveLength(1);
  });
});
