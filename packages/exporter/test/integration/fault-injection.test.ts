import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createWebhookExporter, type DropReason } from "../../src/index.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { useExporterHarness } from "../helpers/harness.js";
import { answer, deliveredOnce } from "../helpers/ledger.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";
import { waitUntil } from "../helpers/wait.js";

const harness = useExporterHarness(() => ({ flushInterval: 200, retryBaseDelayMs: 20, validateEvents: false }));
const { exporterFor } = harness;
let receiver: Receiver;
let spoolDir: string;
beforeEach(() => {
  ({ receiver, spoolDir } = harness);
});

describe("fault injection: the ledger holds (added = received once + dropped and reported)", () => {
  it("survives an endpoint that is down for the whole run, then comes back", async () => {
    await receiver.stop();
    const exporter = exporterFor();
    for (let index = 0; index < 300; index++) exporter.add(featureEvent(index));
    expect(await exporter.flush()).toMatchObject({ sent: 0, failed: 300 });
    for (let index = 300; index < 500; index++) exporter.add(featureEvent(index));
    await receiver.restart();
    await waitUntil(() => exporter.stats().sent === 500);
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 500));
    expect(exporter.stats()).toMatchObject({ added: 500, sent: 500, dropped: 0, pending: 0 });
  });

  it("retries through N answers of 500, in order, once each", async () => {
    receiver.respond((request, index, res) => {
      answer(index < 4 ? 500 : 200)(request, res);
    });
    const exporter = exporterFor({ maxEventInMemory: 50 });
    for (let index = 0; index < 200; index++) exporter.add(featureEvent(index));
    await waitUntil(() => exporter.stats().sent === 200);
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 200));
    expect(exporter.stats().failedAttempts).toBe(4);
  });

  it("waits what Retry-After asks on 429", async () => {
    receiver.respond((request, index, res) => {
      answer(index === 0 ? 429 : 200, { "retry-after": "1" })(request, res);
    });
    const exporter = exporterFor({ flushInterval: 5000 });
    exporter.add(featureEvent(1));
    const started = Date.now();
    await exporter.flush();
    await waitUntil(() => exporter.stats().sent === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(deliveredOnce(receiver)).toEqual(["user-1"]);
  });

  it("retries a connection reset in the middle of the body", async () => {
    let resets = 0;
    const resetting = await startReceiver();
    resetting.respond((_request, index, res) => {
      if (index < 2) {
        resets += 1;
        res.socket?.destroy();
      } else res.writeHead(200).end();
    });
    const viaReset = exporterFor({ endpointUrl: resetting.url });
    for (let index = 0; index < 2000; index++) viaReset.add(featureEvent(index));
    await waitUntil(() => viaReset.stats().sent === 2000);
    expect(resets).toBe(2);
    expect(viaReset.stats().lastError?.reason).toBe("network");
    expect(viaReset.stats()).toMatchObject({ added: 2000, sent: 2000, dropped: 0 });
    expect(
      resetting
        .events()
        .slice(-2000)
        .map((event) => event.userKey),
    ).toEqual(userKeys(0, 2000));
    await viaReset.close();
    await resetting.close();
  });

  it("gives up on an endpoint that never answers after `timeout`, and delivers later", async () => {
    receiver.respond((request, index, res) => {
      if (index > 0) answer(200)(request, res);
      else (request as { answered?: number }).answered = 0;
    });
    const exporter = exporterFor({ timeout: 150 });
    exporter.add(featureEvent(1));
    await waitUntil(() => exporter.stats().sent === 1);
    expect(exporter.stats().lastError?.reason).toBe("timeout");
    expect(deliveredOnce(receiver)).toEqual(["user-1"]);
  });

  it("splits batches over the endpoint's size limit, and drops (and reports) one event too large alone", async () => {
    receiver.respond((request, _index, res) => {
      answer(request.body.length > 600 ? 413 : 200)(request, res);
    });
    const drops: [number, DropReason][] = [];
    const exporter = exporterFor({ onDrop: (count, reason) => drops.push([count, reason]) });
    for (let index = 0; index < 20; index++) exporter.add(featureEvent(index));
    exporter.add({ ...featureEvent(20), userKey: "x".repeat(1000) });
    await exporter.flush();
    await waitUntil(() => exporter.stats().pending === 0);
    // The halves go side by side (maxConcurrentRequests), so not in order.
    expect(deliveredOnce(receiver).sort()).toEqual(userKeys(0, 20).sort());
    expect(drops).toEqual([[1, "too-large"]]);
  });

  it("keeps memory under the bound during a long outage at 10,000 events per second", async () => {
    await receiver.stop();
    const drops: number[] = [];
    const exporter = exporterFor({
      maxEventInMemory: 1000,
      maxBufferedEvents: 5000,
      onDrop: (count) => drops.push(count),
    });
    let added = 0;
    let peak = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    // 20,000 events, 100 every 10 ms (about 2 s; longer on a busy machine, never fewer events).
    while (added < 20_000) {
      for (let index = 0; index < 100; index++) exporter.add(featureEvent(added++));
      peak = Math.max(peak, exporter.stats().inMemory);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(peak).toBeLessThanOrEqual(5000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    await receiver.restart();
    await waitUntil(() => exporter.stats().pending === 0);
    const received = deliveredOnce(receiver);
    const dropped = drops.reduce((sum, count) => sum + count, 0);
    expect(received.length + dropped).toBe(added);
    expect(new Set(received).size).toBe(received.length);
  }, 30_000);
});

function runChild(args: string[]): {
  output: Promise<string>;
  kill(): void;
  signal(name: NodeJS.Signals): void;
  exited: Promise<NodeJS.Signals | number | null>;
} {
  const child = spawn(process.execPath, [new URL("../fixtures/spool-child.mjs", import.meta.url).pathname, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let text = "";
  const output = new Promise<string>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text);
    });
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(signal ?? code);
    });
  });
  return { output, kill: () => child.kill("SIGKILL"), signal: (name) => child.kill(name), exited };
}

describe("the durable spool", () => {
  it("survives SIGKILL: a restarted exporter on the same spool sends every batch spooled before, once", async () => {
    receiver.respond((request, _index, res) => {
      answer(503)(request, res);
    });
    const first = runChild([receiver.url, spoolDir, "spool-then-wait", "0", "1000", "50"]);
    expect(await first.output).toMatch(/^ready/);
    first.kill();
    expect(await first.exited).toBe("SIGKILL");
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".batch")).length).toBeGreaterThan(0);

    receiver.respond((request, _index, res) => {
      answer(200)(request, res);
    });
    const second = runChild([receiver.url, spoolDir, "drain", "0", "0"]);
    expect(await second.output).toMatch(/^drained/);
    expect(await second.exited).toBe(0);
    // The 50 added just before the kill are delivered too when the group commit came first: all or none.
    const delivered = deliveredOnce(receiver);
    expect(delivered.slice(0, 1000)).toEqual(userKeys(0, 1000));
    expect([userKeys(0, 1000), userKeys(0, 1050)]).toContainEqual(delivered);
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".batch"))).toEqual([]);
  }, 20_000);

  it("closes on SIGTERM with handleSignals, sends what waits, then exits by the signal", async () => {
    const child = runChild([receiver.url, spoolDir, "sigterm", "0", "100"]);
    expect(await child.output).toMatch(/^ready/);
    expect(receiver.requests).toHaveLength(0);
    child.signal("SIGTERM");
    expect(await child.exited).toBe("SIGTERM");
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 100));
  }, 20_000);

  it("refuses a second exporter on the same directory", () => {
    exporterFor({ spool: { dir: spoolDir } });
    expect(() => createWebhookExporter({ endpointUrl: receiver.url, secret: "s", spool: { dir: spoolDir } })).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_SPOOL",
        message: expect.stringContaining("another exporter") as string,
      }) as Error,
    );
  });

  it("sets a torn spool file aside, reports it, and sends the rest", async () => {
    const writer = exporterFor({ spool: { dir: spoolDir } });
    await receiver.stop();
    writer.add(featureEvent(1));
    await writer.flush();
    await writer.close();
    // As a crash in the middle of a write would leave it (had the rename not made writes atomic).
    writeFileSync(
      join(spoolDir, "000000000000001-000000-torn.batch"),
      '{"v":1,"id":"x","count":3,"bytes":999,"sha256":"00"}\n{"meta":',
    );
    await receiver.restart();
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_d: object, message?: string) => {
        warnings.push(message ?? "");
      },
    };
    const reader = exporterFor({ spool: { dir: spoolDir }, logger });
    await waitUntil(() => reader.stats().sent === 1);
    expect(deliveredOnce(receiver)).toEqual(["user-1"]);
    expect(warnings.some((message) => message.includes("torn"))).toBe(true);
    expect(readdirSync(spoolDir).some((file) => file.endsWith(".torn"))).toBe(true);
  });
});

describe("the spool's size bound", () => {
  it("drops its oldest batch, reported as spool-full, past spool.maxBytes", async () => {
    await receiver.stop();
    const drops: [number, DropReason][] = [];
    const exporter = exporterFor({
      spool: { dir: spoolDir, maxBytes: 3000 },
      maxEventInMemory: 5,
      onDrop: (count, reason) => drops.push([count, reason]),
    });
    for (let round = 0; round < 6; round++) {
      for (let index = 0; index < 5; index++) exporter.add(featureEvent(round * 5 + index));
      await exporter.flush();
    }
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every(([, reason]) => reason === "spool-full")).toBe(true);
    const dropped = drops.reduce((sum, [count]) => sum + count, 0);
    expect(exporter.stats().pending + dropped).toBe(30);
  });
});
