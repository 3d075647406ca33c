import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { serializeEvent, type WebhookExporterError } from "../../src/index.js";
import { parseSpoolFile } from "../../src/spool/spool.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { answer, deliveredOnce, expectLedger, recordDrops, userKeysOf } from "../helpers/ledger.js";
import { useExporterHarness } from "../helpers/harness.js";
import type { Receiver } from "@org/test-fixtures/receiver";
import { waitUntil } from "../helpers/wait.js";

const harness = useExporterHarness((h) => ({ spool: { dir: h.spoolDir } }));
const { exporterFor } = harness;
let receiver: Receiver;
let spoolDir: string;
beforeEach(() => {
  ({ receiver, spoolDir } = harness);
});

const batchFiles = () => readdirSync(spoolDir).filter((file) => file.endsWith(".batch"));

/** The events of each spooled batch, by batch id, read from the files as they are now. */
function spooledBatches(): Map<string, string[]> {
  const batches = new Map<string, string[]>();
  for (const file of batchFiles()) {
    const batch = parseSpoolFile(file, readFileSync(join(spoolDir, file)));
    if (batch === undefined) throw new Error(`${file} is torn`);
    batches.set(batch.id, userKeysOf(batch.body));
  }
  return batches;
}

/** A spool file as the exporter writes it, with any header fields. */
function writeSpoolFile(name: string, header: Record<string, unknown>, body: Buffer): void {
  const sha256 = createHash("sha256").update(body).digest("hex");
  writeFileSync(
    join(spoolDir, name),
    Buffer.concat([Buffer.from(`${JSON.stringify({ v: 1, bytes: body.length, sha256, ...header })}\n`), body]),
  );
}

describe("the spool's size bound while a batch is in flight", () => {
  it("evicts another batch, never the one on the wire, and the ledger holds per event", async () => {
    receiver.respond((request, _index, res) => {
      answer(503)(request, res);
    });
    const { drops, onDrop } = recordDrops();
    // Room for three batches of 100 events, not four.
    const batchBytes = userKeys(0, 100).reduce(
      (sum, _key, index) => sum + serializeEvent(featureEvent(index)).length + 1,
      300,
    );
    const exporter = exporterFor({
      maxEventInMemory: 100,
      maxBufferedEvents: 300,
      retryBaseDelayMs: 60_000,
      spool: { dir: spoolDir, maxBytes: Math.round(batchBytes * 3.5) },
      onDrop,
    });
    for (let index = 0; index < 300; index++) exporter.add(featureEvent(index));
    await exporter.flush();
    expect(batchFiles()).toHaveLength(3);
    const contents = spooledBatches();

    // The next attempt stays on the wire until the spool has had to evict.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held: string[] = [];
    receiver.respond(async (request, _index, res) => {
      held.push(String(request.headers["webhook-id"]));
      await released;
      answer(200)(request, res);
    });
    const flushing = exporter.flush();
    await waitUntil(() => held.length > 0);
    for (let index = 300; index < 400; index++) exporter.add(featureEvent(index));
    await waitUntil(() => drops.length > 0);
    for (const [id, events] of spooledBatches()) contents.set(id, events);
    release();
    await flushing;
    await waitUntil(() => exporter.stats().pending === 0);

    // The endpoint failed: the flush probes it with one attempt, which the receiver holds.
    const inFlightId = held[0];
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ count: 100, reason: "spool-full" });
    expect(drops[0]?.details.batchId).not.toBe(inFlightId);
    const droppedKeys = contents.get(drops[0]?.details.batchId ?? "") ?? [];
    expect(droppedKeys).toHaveLength(100);
    const delivered = deliveredOnce(receiver);
    expect([...delivered, ...droppedKeys].sort()).toEqual(userKeys(0, 400).sort());
    expectLedger({ added: userKeys(0, 400), receiver, drops, exporter });
  });
});

describe("restoring a spool with odd entries", () => {
  it("skips directories, dangling symlinks and bad headers, removes leftover temporary files, and sends the good batches", async () => {
    await receiver.stop();
    const writer = exporterFor();
    for (let index = 0; index < 30; index++) writer.add(featureEvent(index));
    await writer.flush();
    await writer.close();
    const [good] = batchFiles();
    const body = readFileSync(join(spoolDir, good ?? "")).subarray(
      readFileSync(join(spoolDir, good ?? "")).indexOf(10) + 1,
    );

    mkdirSync(join(spoolDir, "000000000000000-000000-dir.batch"));
    symlinkSync(join(spoolDir, "nowhere"), join(spoolDir, "000000000000000-000001-dangling.batch"));
    writeSpoolFile("000000000000000-000002-negative.batch", { id: "negative", count: -1e6 }, body);
    writeSpoolFile("000000000000000-000003-string.batch", { id: "string", count: "5" }, body);
    writeSpoolFile("000000000000000-000004-header.batch", { id: "bad id\r\nX-Injected: 1", count: 30 }, body);
    writeFileSync(join(spoolDir, ".000000000000000-000005-x.batch.tmp"), "half a write");

    await receiver.restart();
    const errors: WebhookExporterError[] = [];
    const reader = exporterFor({ onError: (error) => errors.push(error) });
    await waitUntil(() => reader.stats().sent === 30);
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 30));
    expect(receiver.requests.every((request) => !("x-injected" in request.headers))).toBe(true);
    expect(reader.stats()).toMatchObject({ pending: 0, sent: 30, dropped: 0 });
    expect(errors.map((error) => error.code)).toEqual(["ERR_WEBHOOK_SPOOL"]);
    expect(errors[0]?.message).toMatch(/skipped 2 entries/);
    const left = readdirSync(spoolDir);
    expect(left.filter((file) => file.endsWith(".torn"))).toHaveLength(3);
    expect(left.filter((file) => file.endsWith(".tmp"))).toEqual([]);
  });
});

describe("a spooled batch the receiver could never accept", () => {
  it("is set aside on restore when its id is one @org/webhook-verify refuses (a dot), and the others go", async () => {
    // As @org/webhook-verify answers an id with a dot: 401, for ever.
    receiver.respond((request, _index, res) => {
      answer(String(request.headers["webhook-id"]).includes(".") ? 401 : 200)(request, res);
    });
    await receiver.stop();
    const writer = exporterFor({ maxEventInMemory: 10 });
    for (let index = 0; index < 30; index++) writer.add(featureEvent(index));
    await writer.flush();
    await writer.close();
    const [first] = batchFiles();
    const content = readFileSync(join(spoolDir, first ?? ""));
    writeSpoolFile(
      "000000000000000-000000-bad.id.batch",
      { id: "bad.id", count: 10 },
      content.subarray(content.indexOf(10) + 1),
    );

    await receiver.restart();
    const errors: WebhookExporterError[] = [];
    const reader = exporterFor({ onError: (error) => errors.push(error) });
    await waitUntil(() => reader.stats().sent === 30);
    expect(deliveredOnce(receiver).sort()).toEqual(userKeys(0, 30).sort());
    expect(receiver.requests.some((request) => String(request.headers["webhook-id"]).includes("."))).toBe(false);
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".torn"))).toEqual([
      "000000000000000-000000-bad.id.batch.torn",
    ]);
  });
});

describe("the open file of the batch being filled, left by a crash", () => {
  it("becomes a batch of its whole frames under its id; a torn last frame is what the crash took", async () => {
    const body = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, index) => serializeEvent(featureEvent(from + index))).join(",");
    const frame = (json: string, count: number) => {
      const bytes = Buffer.from(json);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      return `${JSON.stringify({ count, bytes: bytes.length, sha256 })}\n${json}\n`;
    };
    const meta = '{"hostname":"crashed"}';
    writeFileSync(
      join(spoolDir, "000000000000001-000000-opened.open"),
      `${JSON.stringify({ v: 2, id: "opened", meta })}\n${frame(body(0, 5), 5)}${frame(body(5, 9), 4)}` +
        frame(body(9, 12), 3).slice(0, 40),
    );
    const reader = exporterFor();
    await waitUntil(() => reader.stats().sent === 9);
    expect(receiver.requests.map((request) => request.headers["webhook-id"])).toEqual(["opened"]);
    expect(receiver.requests[0]?.body.toString()).toBe(`{"meta":${meta},"events":[${body(0, 9)}]}`);
    expect(reader.stats()).toMatchObject({ added: 9, restored: 9, sent: 9, pending: 0 });
    // A delivered batch's file is deleted just after its delivery is counted.
    await waitUntil(() => readdirSync(spoolDir).every((file) => !file.endsWith(".open") && !file.endsWith(".batch")));
  });
});

describe("a lock left behind", () => {
  it.each([
    ["an empty lock (a full disk at start, before this version)", ""],
    ["pid 1, alive and unrelated (a container restart)", "1"],
    [
      "a holder on another host that stopped its heartbeat a minute ago",
      JSON.stringify({ pid: 1, host: "elsewhere", token: "t" }),
    ],
  ])("does not strand a restart: %s", async (_case, content) => {
    writeFileSync(join(spoolDir, "exporter.lock"), content);
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(join(spoolDir, "exporter.lock"), minuteAgo, minuteAgo);
    const exporter = exporterFor();
    exporter.add(featureEvent(1));
    await exporter.flush();
    expect(deliveredOnce(receiver)).toEqual(["user-1"]);
  });
});

describe("close() cut short while a flush is still cutting", () => {
  it("stops the flush's work and spools every event, and a restart sends them all once", async () => {
    await receiver.stop();
    const exporter = exporterFor({ maxEventInMemory: 10_000, maxBufferedEvents: 100_000, closeTimeout: 1 });
    for (let index = 0; index < 60_000; index++) exporter.add(featureEvent(index));
    await exporter.close();
    expect(exporter.stats()).toMatchObject({ added: 60_000, dropped: 0, pending: 60_000 });
    await receiver.restart();
    const restarted = exporterFor();
    await waitUntil(() => restarted.stats().sent === 60_000, 15_000);
    expect(new Set(deliveredOnce(receiver)).size).toBe(60_000);
  }, 30_000);
});

describe("stats() during a flood that spills to the spool", () => {
  it("stays exact: added = sent + dropped + pending at every moment", async () => {
    await receiver.stop();
    const exporter = exporterFor({ maxEventInMemory: 1000, maxBufferedEvents: 2000, flushInterval: 50 });
    const mismatches: string[] = [];
    let added = 0;
    for (let tick = 0; tick < 40; tick++) {
      for (let index = 0; index < 2500; index++) exporter.add(featureEvent(added++));
      await new Promise((resolve) => setImmediate(resolve));
      const stats = exporter.stats();
      if (stats.added !== stats.sent + stats.dropped + stats.pending)
        mismatches.push(JSON.stringify({ tick, ...stats, lastError: undefined }));
    }
    expect(mismatches).toEqual([]);
    expect(added).toBe(100_000);
  }, 15_000);
});
